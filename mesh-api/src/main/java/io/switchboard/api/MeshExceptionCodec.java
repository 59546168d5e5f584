package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Wire form of {@link MeshException} across the cluster: a length-prefixed JSON object
 * {@code {"code":"RATE_LIMITED","message":"...","param":null,"retry_after_ms":1000}}. Every node registers it
 * with {@link #register(Vertx)}; a receiver then sees the reply fail with the same {@code MeshException}.
 */
public final class MeshExceptionCodec implements MessageCodec<MeshException, MeshException> {

  public static final String NAME = "switchboard.mesh-exception";

  /** Registers the codec as the default for {@link MeshException}; safe to call more than once per Vert.x. */
  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(MeshException.class, new MeshExceptionCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another verticle of this Vert.x instance registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, MeshException e) {
    Buffer json = e.toWireJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public MeshException decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return MeshException.fromWireJson(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public MeshException transform(MeshException e) {
    return e;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
