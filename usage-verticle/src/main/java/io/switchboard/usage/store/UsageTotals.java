package io.switchboard.usage.store;

import io.vertx.core.json.JsonObject;

/**
 * Totals of one group of usage records. Amounts are kept as the store keeps them (micro-dollars, milliseconds of
 * audio) so that two stores' answers compare exactly; {@link #toJson(GroupBy)} gives dollars and seconds.
 *
 * @param group the group's value (key id, backend, model, capability, privacy class or UTC day), null for records
 *              without one (e.g. requests made without an API key)
 */
public record UsageTotals(String group, long requests, long inputTokens, long outputTokens, long audioMs,
                          long characters, long costMicros, long errors) {

  public double costUsd() {
    return costMicros / 1_000_000d;
  }

  public double audioSeconds() {
    return audioMs / 1000d;
  }

  /** One row of {@code GET /api/v1/usage}: the group under its own name ({@code "backend": "openai"}), then totals. */
  public JsonObject toJson(GroupBy groupBy) {
    return new JsonObject()
      .put(groupBy.wireName(), group)
      .put("requests", requests)
      .put("input_tokens", inputTokens)
      .put("output_tokens", outputTokens)
      .put("audio_seconds", audioSeconds())
      .put("characters", characters)
      .put("cost_usd", costUsd())
      .put("errors", errors);
  }
}
