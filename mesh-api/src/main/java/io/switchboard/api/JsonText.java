package io.switchboard.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * Parses JSON text on the request path with Vert.x's streaming codec: the values {@code Json.decodeValue} and
 * {@code new JsonObject(text)} give (the same types, the same {@link DecodeException}s), without the per-call objects
 * of jackson-databind's, which Vert.x uses whenever databind is on the class path, as it is here (a deserialization
 * context and a scope per nesting level: ~1 KB a chat completion, docs/benchmarks.md, issue 15's tenth stop).
 */
public final class JsonText {

  private static final JacksonCodec CODEC = new JacksonCodec();

  private JsonText() {
  }

  /** Any JSON value: a {@code JsonObject}, {@code JsonArray}, string, number, boolean or null. */
  public static Object value(Buffer text) {
    return CODEC.fromBuffer(text);
  }

  /** A JSON object; another value is a {@link DecodeException}. */
  public static JsonObject object(String text) {
    if (CODEC.fromString(text) instanceof JsonObject json) {
      return json;
    }
    throw new DecodeException("not a JSON object");
  }
}
