package io.switchboard.router.policy;

import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.vertx.circuitbreaker.CircuitBreakerState;

import java.util.Map;

/**
 * The router's live knowledge of each backend beyond its descriptor, read by the policy without I/O: admin
 * overrides, breaker state, health probes, Retry-After cool-downs, rate-limit windows known to be full, and passive
 * latency and error figures. Every method has the neutral answer as its default, so a test states only what matters.
 */
public interface StateView {

  StateView NONE = new StateView() {
  };

  /** False when an operator disabled the backend (admin API). */
  default boolean enabled(String backendId) {
    return true;
  }

  /** The backend's priority: an operator's override, else {@code configured}. */
  default int priority(String backendId, int configured) {
    return configured;
  }

  /** The health to route by: {@code reported} (heartbeats) combined with the router's own checks. */
  default Health health(String backendId, Health reported) {
    return reported;
  }

  default CircuitBreakerState breaker(String backendId) {
    return CircuitBreakerState.CLOSED;
  }

  /** Epoch ms before which the backend must not be sent requests (it answered 429 with Retry-After); 0 when none. */
  default long cooldownUntil(String backendId) {
    return 0;
  }

  /** Epoch ms until which one of the backend's rate-limit windows is known to be full; 0 when none. */
  default long limitedUntil(String backendId) {
    return 0;
  }

  /** Which limit is full, e.g. {@code rpm limit 600/min reached}. */
  default String limitReason(String backendId) {
    return "rate limit reached";
  }

  /** True when recent answers of the backend fail too often: it is tried after the healthy ones. */
  default boolean degraded(String backendId) {
    return false;
  }

  /**
   * The backends that serve the model but are not live, by id, with why (a conf entry, a backend announced once); empty
   * when none is known. Asked only on the way to a refusal, never for a request that is served.
   */
  default Map<String, String> notLive(Capability capability, String model) {
    return Map.of();
  }

  /** Recent median latency to the first answer in ms, or -1 when there are too few samples. */
  default double latencyMs(String backendId) {
    return -1;
  }
}
