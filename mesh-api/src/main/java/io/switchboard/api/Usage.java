package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/** Token counts of a chat or embedding request, in OpenAI's {@code usage} shape. */
public record Usage(long promptTokens, long completionTokens) {

  public static final Usage ZERO = new Usage(0, 0);

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("prompt_tokens", promptTokens)
      .put("completion_tokens", completionTokens)
      .put("total_tokens", totalTokens());
  }

  /** Reads OpenAI's usage object; null or malformed fields count as zero. */
  public static Usage fromJson(JsonObject json) {
    if (json == null) {
      return ZERO;
    }
    return new Usage(number(json.getValue("prompt_tokens")), number(json.getValue("completion_tokens")));
  }

  private static long number(Object v) {
    return v instanceof Number n ? n.longValue() : 0;
  }
}
