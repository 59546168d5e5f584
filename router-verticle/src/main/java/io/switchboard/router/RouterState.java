package io.switchboard.router;

import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.router.admin.AdminState;
import io.switchboard.router.health.Breakers;
import io.switchboard.router.health.Cooldowns;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.StateView;
import io.switchboard.router.registry.KnownBackends;
import io.vertx.circuitbreaker.CircuitBreakerState;

import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The router's live knowledge of its backends, gathered from its collaborators (operator overrides, breakers,
 * probes, passive figures, cool-downs, limits) and shown to the policy as a {@link StateView}. {@code known}: the
 * backends that are not live, or null when none are known.
 */
public record RouterState(AdminState admin, Breakers breakers, HealthProber prober, PassiveStats stats, Cooldowns cooldowns,
                          RateLimiter limiter, LongSupplier clock, KnownBackends known) implements StateView {

  /** A state that knows no backends beyond the live ones (an unknown model is a 404). */
  public RouterState(AdminState admin, Breakers breakers, HealthProber prober, PassiveStats stats, Cooldowns cooldowns,
                     RateLimiter limiter, LongSupplier clock) {
    this(admin, breakers, prober, stats, cooldowns, limiter, clock, null);
  }

  public long now() {
    return clock.getAsLong();
  }

  @Override
  public boolean enabled(String id) {
    return admin.enabled(id);
  }

  @Override
  public int priority(String id, int configured) {
    return admin.priority(id, configured);
  }

  @Override
  public Health health(String id, Health reported) {
    return prober.combine(id, reported, clock.getAsLong());
  }

  @Override
  public CircuitBreakerState breaker(String id) {
    return breakers.state(id);
  }

  @Override
  public long cooldownUntil(String id) {
    return cooldowns.until(id);
  }

  @Override
  public long limitedUntil(String id) {
    return limiter.limitedUntil(id);
  }

  @Override
  public String limitReason(String id) {
    return limiter.limitReason(id);
  }

  @Override
  public boolean degraded(String id) {
    return stats.degraded(id, clock.getAsLong());
  }

  @Override
  public Map<String, String> notLive(Capability capability, String model) {
    return known == null ? Map.of() : known.notLive(capability, model);
  }

  @Override
  public double latencyMs(String id) {
    return stats.latencyMs(id, clock.getAsLong());
  }
}
