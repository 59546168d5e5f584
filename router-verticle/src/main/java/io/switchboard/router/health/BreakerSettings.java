package io.switchboard.router.health;

import io.switchboard.core.config.ConfValues;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.json.JsonObject;

/**
 * Thresholds of the per-backend circuit breakers ({@code router.breaker}): {@code max_failures} (5) upstream
 * failures within {@code failures_window_ms} (60000) open a breaker; after {@code reset_timeout_ms} (30000) it
 * lets one trial request through (half-open), which closes it on success or opens it again on failure.
 */
public record BreakerSettings(int maxFailures, long resetTimeoutMs, long failuresWindowMs) {

  public static final BreakerSettings DEFAULT = new BreakerSettings(5, 30_000, 60_000);
  private static final String WHERE = "router.breaker";

  public static BreakerSettings fromJson(JsonObject json) {
    if (json == null) {
      return DEFAULT;
    }
    int max = (int) Math.min(Integer.MAX_VALUE, ConfValues.positive(json, "max_failures", DEFAULT.maxFailures, WHERE));
    long reset = ConfValues.positive(json, "reset_timeout_ms", DEFAULT.resetTimeoutMs, WHERE);
    long window = ConfValues.positive(json, "failures_window_ms", DEFAULT.failuresWindowMs, WHERE);
    if (window < 1000) {
      throw new IllegalArgumentException("router.breaker.failures_window_ms must be at least 1000 (the breaker counts per second)");
    }
    return new BreakerSettings(max, reset, window);
  }

  /**
   * The library options: no operation timeout (the router enforces each request's own deadline) and no metrics
   * notifications (transitions are published by {@link Breakers} instead).
   */
  CircuitBreakerOptions options() {
    return new CircuitBreakerOptions()
      .setMaxFailures(maxFailures)
      .setResetTimeout(resetTimeoutMs)
      .setFailuresRollingWindow(failuresWindowMs)
      .setTimeout(-1)
      .setMaxRetries(0)
      .setFallbackOnFailure(false)
      .setNotificationAddress(null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("max_failures", maxFailures).put("reset_timeout_ms", resetTimeoutMs)
      .put("failures_window_ms", failuresWindowMs);
  }
}
