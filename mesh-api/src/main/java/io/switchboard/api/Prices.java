package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * A backend's list prices in US dollars. Zero for local backends (or an electricity figure from conf).
 *
 * @param inputPerMTok  per million input (prompt) tokens
 * @param outputPerMTok per million output (completion) tokens
 * @param perAudioMinute per minute of audio transcribed
 * @param perKChars     per thousand characters synthesised
 * @param perRequest    flat per request (e.g. a GPU-hour price turned into a per-request figure)
 */
public record Prices(double inputPerMTok, double outputPerMTok, double perAudioMinute, double perKChars, double perRequest) {

  public static final Prices FREE = new Prices(0, 0, 0, 0, 0);

  /** Cost of a request of this size. */
  public double cost(long inputTokens, long outputTokens, double audioSeconds, long characters) {
    return inputTokens * inputPerMTok / 1_000_000d
      + outputTokens * outputPerMTok / 1_000_000d
      + audioSeconds / 60d * perAudioMinute
      + characters * perKChars / 1000d
      + perRequest;
  }

  public boolean isFree() {
    return equals(FREE);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("input_per_mtok", inputPerMTok)
      .put("output_per_mtok", outputPerMTok)
      .put("per_audio_minute", perAudioMinute)
      .put("per_1k_chars", perKChars)
      .put("per_request", perRequest);
  }

  public static Prices fromJson(JsonObject json) {
    if (json == null) {
      return FREE;
    }
    return new Prices(
      json.getDouble("input_per_mtok", 0d),
      json.getDouble("output_per_mtok", 0d),
      json.getDouble("per_audio_minute", 0d),
      json.getDouble("per_1k_chars", 0d),
      json.getDouble("per_request", 0d));
  }
}
