package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

/**
 * A bus codec for an immutable value: handed over as it is within a node, and across the cluster as a length-prefixed
 * JSON document ({@link #toJson} / {@link #fromJson}). Registered as the default codec of its type, once per Vert.x.
 */
abstract class JsonWireCodec<T> extends NamedCodec<T> {

  JsonWireCodec(String name) {
    super(name);
  }

  /** Registers {@code codec} as the default for {@code type}; safe to call more than once per Vert.x. */
  static <T> void registerOnce(Vertx vertx, Class<T> type, JsonWireCodec<T> codec) {
    try {
      vertx.eventBus().registerDefaultCodec(type, codec);
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this Vert.x instance registered it first
    }
  }

  /** The value's JSON document, encoded. */
  abstract Buffer toJson(T value);

  /** The value back from its JSON document. */
  abstract T fromJson(Buffer json);

  @Override
  public final void encodeToWire(Buffer buffer, T value) {
    Buffer json = toJson(value);
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return fromJson(buffer.getBuffer(pos + 4, pos + 4 + length));
  }

  @Override
  public final T transform(T value) {
    return value;
  }
}
