package io.switchboard.router;

import io.switchboard.core.config.ConfValues;
import io.switchboard.router.health.BreakerSettings;
import io.switchboard.router.limits.Limits;
import io.switchboard.router.policy.PolicySettings;
import io.switchboard.router.policy.RetryPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the router reads from its conf slice ({@code router}, plus the {@code backends} array the node hands
 * it for their {@code limits}), validated at once so that a reload with a bad value is refused whole.
 *
 * <p>Keys, with defaults: {@code timeout_ms} (120000), {@code stream_idle_timeout_ms} (60000),
 * {@code heartbeat_timeout_ms} (6000), {@code health_interval_ms} (10000), {@code health_timeout_ms} (5000),
 * {@code breaker} ({@link BreakerSettings}), {@code retries} ({@link RetryPolicy}), {@code passive}
 * ({@code samples} 256, {@code window_ms} 300000, {@code max_error_rate} 0.5, {@code min_samples} 10),
 * {@code limits} ({@code window_ms} 60000, {@code lease_fraction} 0.02), and the {@link PolicySettings} keys.
 */
public record RouterSettings(PolicySettings policy, long timeoutMs, long streamIdleTimeoutMs, long heartbeatTimeoutMs,
                             long healthIntervalMs, long healthTimeoutMs, BreakerSettings breaker, RetryPolicy retries,
                             int passiveSamples, long passiveWindowMs, double maxErrorRate, int minSamples,
                             long limitWindowMs, double leaseFraction, Map<String, Limits> limits, JsonArray backends) {

  public RouterSettings {
    limits = Map.copyOf(limits);
  }

  /**
   * The router's conf from the whole mesh conf: the {@code router} section with the {@code backends} array added
   * (the router reads each backend's {@code limits} from it).
   */
  public static JsonObject sliceOf(JsonObject meshConfig) {
    JsonObject router = meshConfig.getValue("router") instanceof JsonObject r ? r.copy() : new JsonObject();
    router.put("backends", meshConfig.getValue("backends") instanceof JsonArray a ? a.copy() : new JsonArray());
    // The node's artifacts and exact cache are the router's to start (AnswerCache); absent, the router has neither.
    if (meshConfig.getValue("artifacts") instanceof JsonObject artifacts) {
      router.put("artifacts", artifacts.copy());
    }
    if (meshConfig.getValue("cache") instanceof JsonObject cache) {
      router.put("cache", cache.copy());
    }
    return router;
  }

  /** Parses and validates; a bad value is an {@link IllegalArgumentException} naming the key. */
  public static RouterSettings parse(JsonObject conf) {
    PolicySettings policy = PolicySettings.fromJson(conf);
    JsonObject passive = object(conf, "passive");
    JsonObject limitConf = object(conf, "limits");
    double maxErrorRate = ConfValues.fraction(passive, "max_error_rate", 0.5, "router.passive");
    double lease = ConfValues.fraction(limitConf, "lease_fraction", 0.02, "router.limits");
    if (lease <= 0) {
      throw new IllegalArgumentException("router.limits.lease_fraction must be above 0");
    }
    JsonArray backends = conf.getValue("backends") instanceof JsonArray a ? a : new JsonArray();
    Map<String, Limits> limits = new LinkedHashMap<>();
    for (int i = 0; i < backends.size(); i++) {
      if (!(backends.getValue(i) instanceof JsonObject entry) || !(entry.getValue("id") instanceof String id) || id.isBlank()) {
        throw new IllegalArgumentException("backends[" + i + "] must be an object with an 'id'");
      }
      Object l = entry.getValue("limits");
      if (l != null && !(l instanceof JsonObject)) {
        throw new IllegalArgumentException("backends[" + i + "] (" + id + ").limits must be a map of rpm, tpm, concurrency");
      }
      Limits parsed = Limits.fromJson((JsonObject) l, "backends." + id + ".limits");
      if (!parsed.isNone()) {
        limits.put(id, parsed);
      }
    }
    return new RouterSettings(policy,
      ConfValues.positive(conf, "timeout_ms", 120_000, "router"),
      ConfValues.positive(conf, "stream_idle_timeout_ms", 60_000, "router"),
      ConfValues.positive(conf, "heartbeat_timeout_ms", 6_000, "router"),
      ConfValues.positive(conf, "health_interval_ms", 10_000, "router"),
      ConfValues.positive(conf, "health_timeout_ms", 5_000, "router"),
      BreakerSettings.fromJson(conf.getValue("breaker") == null ? null : object(conf, "breaker")),
      RetryPolicy.fromJson(conf.getValue("retries") == null ? null : object(conf, "retries")),
      (int) Math.min(100_000, ConfValues.positive(passive, "samples", 256, "router.passive")),
      ConfValues.positive(passive, "window_ms", 300_000, "router.passive"),
      maxErrorRate,
      (int) Math.min(Integer.MAX_VALUE, ConfValues.positive(passive, "min_samples", 10, "router.passive")),
      ConfValues.positive(limitConf, "window_ms", 60_000, "router.limits"),
      lease,
      limits,
      backends.copy());
  }

  public Limits limitsOf(String backendId) {
    return limits.getOrDefault(backendId, Limits.NONE);
  }

  private static JsonObject object(JsonObject conf, String key) {
    Object v = conf.getValue(key);
    if (v == null) {
      return new JsonObject();
    }
    if (!(v instanceof JsonObject o)) {
      throw new IllegalArgumentException("router." + key + " must be a map");
    }
    return o;
  }
}
