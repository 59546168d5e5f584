package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Builders for OpenAI's {@code chat.completion} and {@code chat.completion.chunk} objects, for backends that generate
 * text themselves, and the reading of a chunk's text, for those that relay or speak a stream.
 */
public final class ChatChunks {

  private ChatChunks() {
  }

  /** A chunk carrying a piece of the answer for choice 0 (the first chunk of a stream also carries the role). */
  public static JsonObject delta(String id, long created, String model, String content, boolean first) {
    JsonObject delta = new JsonObject();
    if (first) {
      delta.put("role", "assistant");
    }
    delta.put("content", content);
    return chunk(id, created, model, delta, null);
  }

  /** The chunk that ends choice 0 with a finish reason ({@code stop}, {@code length}). */
  public static JsonObject finish(String id, long created, String model, String finishReason) {
    return chunk(id, created, model, new JsonObject(), finishReason);
  }

  private static JsonObject chunk(String id, long created, String model, JsonObject delta, String finishReason) {
    return oneChoice("chat.completion.chunk", id, created, model, "delta", delta, finishReason);
  }

  /** A whole non-streamed answer. */
  public static JsonObject completion(String id, long created, String model, String content, String finishReason, Usage usage) {
    JsonObject message = new JsonObject().put("role", "assistant").put("content", content);
    return oneChoice("chat.completion", id, created, model, "message", message, finishReason).put("usage", usage.toJson());
  }

  /**
   * The text a {@code chat.completion.chunk} adds to choice 0; null when it adds none (the role, the finish, a
   * usage-only chunk) or the chunk is not of that shape.
   */
  public static String content(JsonObject chunk) {
    return chunk.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
      && choices.getValue(0) instanceof JsonObject choice && choice.getValue("delta") instanceof JsonObject delta
      && delta.getValue("content") instanceof String text && !text.isEmpty() ? text : null;
  }

  /** The envelope both objects share, with choice 0 holding {@code part} ({@code delta} or {@code message}). */
  private static JsonObject oneChoice(String object, String id, long created, String model, String part, JsonObject value,
                                      String finishReason) {
    return new JsonObject()
      .put("id", id)
      .put("object", object)
      .put("created", created)
      .put("model", model)
      .put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0)
        .put(part, value)
        .put("finish_reason", finishReason)));
  }
}
