package io.switchboard.usage.store;

import io.vertx.core.json.JsonObject;

/**
 * Voice calls of one mode ({@code pipeline} or {@code realtime}) over a period, from their call records: how many, their
 * minutes, how many started in this mode as a fallback, how many ended in an error, and their cost at list prices
 * (the sum of their stages'), so that the modes compare per minute of call.
 */
public record ModeTotals(String mode, long calls, long callMs, long audioInMs, long costMicros, long fallbacks, long errors) {

  /** One row of {@code GET /api/v1/usage?group_by=mode}. */
  public JsonObject toJson() {
    double minutes = callMs / 60_000d;
    double cost = costMicros / 1_000_000d;
    return new JsonObject().put("mode", mode).put("calls", calls).put("call_minutes", minutes)
      .put("audio_in_seconds", audioInMs / 1000d).put("cost_usd", cost).put("cost_per_minute_usd", minutes > 0 ? cost / minutes : 0d)
      .put("fallbacks", fallbacks).put("errors", errors);
  }
}
