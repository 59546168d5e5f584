package io.switchboard.router.policy;

import io.switchboard.api.Health;
import io.vertx.circuitbreaker.CircuitBreakerState;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A {@link StateView} a test fills in by hand. */
final class FakeState implements StateView {

  final Set<String> disabled = new HashSet<>();
  final Set<String> degraded = new HashSet<>();
  final Map<String, Integer> priority = new HashMap<>();
  final Map<String, Health> probed = new HashMap<>();
  final Map<String, CircuitBreakerState> breakers = new HashMap<>();
  final Map<String, Long> cooldown = new HashMap<>();
  final Map<String, Long> limited = new HashMap<>();
  final Map<String, String> limitReason = new HashMap<>();
  final Map<String, Double> latency = new HashMap<>();

  @Override
  public boolean enabled(String id) {
    return !disabled.contains(id);
  }

  @Override
  public int priority(String id, int configured) {
    return priority.getOrDefault(id, configured);
  }

  @Override
  public Health health(String id, Health reported) {
    return probed.getOrDefault(id, reported);
  }

  @Override
  public CircuitBreakerState breaker(String id) {
    return breakers.getOrDefault(id, CircuitBreakerState.CLOSED);
  }

  @Override
  public long cooldownUntil(String id) {
    return cooldown.getOrDefault(id, 0L);
  }

  @Override
  public long limitedUntil(String id) {
    return limited.getOrDefault(id, 0L);
  }

  @Override
  public String limitReason(String id) {
    return limitReason.getOrDefault(id, "rate limit reached");
  }

  @Override
  public boolean degraded(String id) {
    return degraded.contains(id);
  }

  @Override
  public double latencyMs(String id) {
    return latency.getOrDefault(id, -1d);
  }
}
