package io.switchboard.router.policy;

import io.switchboard.core.config.ConfValues;
import io.vertx.core.json.JsonObject;

/**
 * Retries on the same backend once no other candidate is left ({@code router.retries}): at most {@code max}
 * (2), after an exponential backoff from {@code base_ms} (100) capped at {@code max_ms} (2000), with jitter (each
 * wait is drawn between half and all of the backoff, so routers that failed together do not retry together),
 * and never sooner than the backend's Retry-After.
 */
public record RetryPolicy(int max, long baseMs, long maxMs) {

  public static final RetryPolicy DEFAULT = new RetryPolicy(2, 100, 2000);
  private static final String WHERE = "router.retries";

  public static RetryPolicy fromJson(JsonObject json) {
    if (json == null) {
      return DEFAULT;
    }
    long max = ConfValues.nonNegative(json, "max", DEFAULT.max, WHERE);
    long base = ConfValues.nonNegative(json, "base_ms", DEFAULT.baseMs, WHERE);
    long cap = ConfValues.nonNegative(json, "max_ms", DEFAULT.maxMs, WHERE);
    if (cap < base) {
      throw new IllegalArgumentException("router.retries.max_ms must be at least base_ms");
    }
    return new RetryPolicy((int) Math.min(max, 100), base, cap);
  }

  /**
   * The wait before retry number {@code retry} (0 for the first), given the backend's Retry-After (0 when none)
   * and a uniform draw {@code random} in [0, 1).
   */
  public long delayMs(int retry, long retryAfterMs, double random) {
    long backoff = Math.min(maxMs, baseMs << Math.min(retry, 30));
    long jittered = backoff / 2 + (long) (random * (backoff - backoff / 2));
    return Math.max(jittered, retryAfterMs);
  }

  public JsonObject toJson() {
    return new JsonObject().put("max", max).put("base_ms", baseMs).put("max_ms", maxMs);
  }
}
