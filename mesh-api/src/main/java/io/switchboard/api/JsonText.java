package io.switchboard.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;

/**
 * Parses and writes JSON text on the request path with Vert.x's streaming codec: the values {@code Json.decodeValue}
 * and {@code new JsonObject(text)} give (the same types, the same {@link DecodeException}s), and the bytes
 * {@code JsonObject.toBuffer()} gives, without the per-call objects of jackson-databind's codec, which Vert.x uses
 * whenever databind is on the class path, as it is here (a deserialization context and a scope per nesting level, a
 * serializer provider per write: docs/benchmarks.md, issue 15's tenth stop).
 */
public final class JsonText {

  private static final JacksonCodec CODEC = new JacksonCodec();
  /** Writes as Vert.x's own factory does (it sets only limits for reading). */
  private static final JsonFactory WRITER = new JsonFactory();

  private JsonText() {
  }

  /** Any JSON value: a {@code JsonObject}, {@code JsonArray}, string, number, boolean or null. */
  public static Object value(Buffer text) {
    return CODEC.fromBuffer(text);
  }

  /**
   * {@code json}'s text, as {@code json.toBuffer()} writes it. A value only databind can write (a Java object that is
   * not a JSON type, a {@code Buffer}, {@code byte[]} or {@code Instant}) is written by databind, as before.
   */
  public static Buffer bytes(JsonObject json) {
    BufferRecycler recycler = WRITER._getBufferRecycler();
    try (ByteArrayBuilder text = new ByteArrayBuilder(recycler)) {
      try (JsonGenerator generator = WRITER.createGenerator(text)) {
        JacksonCodec.encodeJson(json, generator);
      }
      // wrapped: the codec's toBuffer copied the array once more into a Netty buffer, ~0.5 KB a chat answer
      // (docs/benchmarks.md, issue 15's thirteenth stop)
      return BufferInternal.buffer(Unpooled.wrappedBuffer(text.getClearAndRelease()));
    } catch (EncodeException onlyDatabindWritesIt) {
      return json.toBuffer();
    } catch (IOException e) {
      throw new EncodeException(e.getMessage(), e);
    } finally {
      recycler.releaseToPool();
    }
  }

  /** {@code json}'s text, as {@code json.encode()} writes it; a value only databind can write is written by databind. */
  public static String string(JsonObject json) {
    try {
      return CODEC.toString(json, false);
    } catch (EncodeException onlyDatabindWritesIt) {
      return json.encode();
    }
  }

  /** A JSON object; another value is a {@link DecodeException}. */
  public static JsonObject object(String text) {
    if (CODEC.fromString(text) instanceof JsonObject json) {
      return json;
    }
    throw new DecodeException("not a JSON object");
  }
}
