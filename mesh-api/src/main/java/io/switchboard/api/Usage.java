package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/** Token counts of a chat or embedding request, in OpenAI's {@code usage} shape. */
public record Usage(long promptTokens, long completionTokens) {

  public static final Usage ZERO = new Usage(0, 0);

  /** Characters of text a token stands for where no tokenizer counted them. */
  private static final int CHARS_PER_TOKEN = 4;

  /**
   * The usage of an answer no one counted (a command-line tool, a job without usage, a stream cut before its end):
   * the prompt's estimate and four characters of the answer a token, rounded up.
   */
  public static Usage estimate(long promptTokens, long answerChars) {
    return new Usage(promptTokens, (answerChars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  /** Both answers' tokens together (an answer cut on one backend and continued on another). */
  public Usage plus(Usage other) {
    return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("prompt_tokens", promptTokens)
      .put("completion_tokens", completionTokens)
      .put("total_tokens", totalTokens());
  }

  /** The shape a voice client reads in either call mode: {@code {"input_tokens","output_tokens"}}. */
  public JsonObject toInputOutputJson() {
    return new JsonObject().put("input_tokens", promptTokens).put("output_tokens", completionTokens);
  }

  /**
   * Reads a usage object in either naming: OpenAI chat's {@code prompt_tokens}/{@code completion_tokens}, or the
   * {@code input_tokens}/{@code output_tokens} of Anthropic, the Realtime API and voice clients. A field that is
   * missing, not a number or negative counts as zero: an upstream's malformed usage never fails the answer.
   */
  public static Usage fromJson(JsonObject json) {
    if (json == null) {
      return ZERO;
    }
    return new Usage(count(json, "prompt_tokens", "input_tokens"), count(json, "completion_tokens", "output_tokens"));
  }

  /**
   * The token counts of a Realtime API {@code response.done} event (its {@code response.usage}, read as
   * {@link #fromJson} reads it), null when it carries none.
   */
  public static Usage ofResponseDone(JsonObject event) {
    return event.getValue("response") instanceof JsonObject response && response.getValue("usage") instanceof JsonObject u
      ? fromJson(u) : null;
  }

  private static long count(JsonObject json, String name, String alternative) {
    Object v = json.getValue(name);
    if (!(v instanceof Number)) {
      v = json.getValue(alternative);
    }
    return Math.max(0, number(v));
  }

  private static long number(Object v) {
    return v instanceof Number n ? n.longValue() : 0;
  }
}
