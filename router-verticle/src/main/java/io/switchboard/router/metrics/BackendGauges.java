package io.switchboard.router.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backends as this router sees them, as gauges (docs/metrics.md): up, enabled, instances, breaker state, error
 * ratio, rate-limit use against the limits, and how many backends can serve each capability. The router hands it its
 * provider status ({@code GET /api/v1/providers/status}'s JSON) every few seconds ({@link #update}); gauges read the
 * last one, so a scrape costs the router nothing. A capability once served stays listed: when its last backend goes,
 * its count drops to 0 (what the "no healthy backend" alert watches) instead of vanishing.
 */
public final class BackendGauges {

  private static final String[] BREAKER_STATES = {"closed", "open", "half_open"};
  private static final String[] LIMITS = {"rpm", "tpm", "concurrency"};

  private final MeterRegistry registry;
  private final Map<String, Backend> backends = new ConcurrentHashMap<>();
  private final Map<String, double[]> available = new ConcurrentHashMap<>();

  public BackendGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  /** What the gauges of one backend read; written by {@link #update}, read by scrapes. */
  private static final class Backend {
    volatile double up;
    volatile double enabled;
    volatile double instances;
    volatile String breaker = "closed";
    volatile double errorRatio;
    final double[] used = new double[LIMITS.length];
    final double[] limit = new double[LIMITS.length];
  }

  /** Takes a new provider status: {@code {"backends":[{id, live, enabled, instances, health, breaker, ...}]}}. */
  public void update(JsonObject status) {
    Map<String, Integer> servable = new HashMap<>();
    for (Object o : status.getJsonArray("backends", new JsonArray())) {
      if (!(o instanceof JsonObject row) || row.getString("id") == null) {
        continue;
      }
      Backend b = backend(row.getString("id"));
      boolean live = row.getBoolean("live", false);
      boolean enabled = row.getBoolean("enabled", true);
      String health = row.getJsonObject("health", new JsonObject()).getString("status", "down");
      String breaker = row.getJsonObject("breaker", new JsonObject()).getString("state", "closed");
      boolean up = live && enabled && !"down".equals(health) && !"open".equals(breaker);
      b.up = up ? 1 : 0;
      b.enabled = enabled ? 1 : 0;
      b.instances = row.getInteger("instances", 0);
      b.breaker = breaker;
      b.errorRatio = row.getDouble("error_rate", 0d);
      JsonObject limits = row.getJsonObject("limits", new JsonObject());
      JsonObject usage = row.getJsonObject("usage", new JsonObject());
      for (int i = 0; i < LIMITS.length; i++) {
        b.limit[i] = limits.getDouble(LIMITS[i], 0d);
        b.used[i] = usage.getDouble(i == 2 ? "inflight" : LIMITS[i], 0d);
      }
      for (Object c : row.getJsonArray("capabilities", new JsonArray())) {
        if (live && c instanceof String capability) {
          servable.merge(capability, up ? 1 : 0, Integer::sum);
        }
      }
    }
    servable.keySet().forEach(this::capability);
    for (Map.Entry<String, double[]> e : available.entrySet()) {
      e.getValue()[0] = servable.getOrDefault(e.getKey(), 0);
    }
  }

  /** Capabilities with a gauge (for tests). */
  Set<String> capabilities() {
    return available.keySet();
  }

  private Backend backend(String id) {
    Backend existing = backends.get(id);
    if (existing != null) {
      return existing;
    }
    Backend b = new Backend();
    backends.put(id, b);
    gauge("switchboard.backend.up", "1 when the backend is live, enabled, not down and its breaker not open", b, x -> x.up, id);
    gauge("switchboard.backend.enabled", "1 unless an operator or conf disabled the backend", b, x -> x.enabled, id);
    gauge("switchboard.backend.instances", "live instances of the backend in the cluster", b, x -> x.instances, id);
    gauge("switchboard.backend.error.ratio", "share of the backend's recent requests that failed (passive health)", b,
      x -> x.errorRatio, id);
    for (String state : BREAKER_STATES) {
      Gauge.builder("switchboard.backend.breaker.state", b, x -> x.breaker.equals(state) ? 1 : 0)
        .description("1 for the state this router's circuit breaker of the backend is in")
        .tags("backend", id, "state", state).register(registry);
    }
    for (int i = 0; i < LIMITS.length; i++) {
      int index = i;
      Gauge.builder("switchboard.backend.rate.limit.used", b, x -> x.used[index])
        .description("rate-limit use: requests and tokens in the current window scaled to a minute, requests in flight")
        .tags("backend", id, "limit", LIMITS[i]).register(registry);
      Gauge.builder("switchboard.backend.rate.limit", b, x -> x.limit[index])
        .description("the backend's limit (0: none): rpm and tpm cluster-wide, concurrency per router")
        .tags("backend", id, "limit", LIMITS[i]).register(registry);
    }
    return b;
  }

  private void capability(String capability) {
    available.computeIfAbsent(capability, c -> {
      double[] count = new double[1];
      Gauge.builder("switchboard.backends.available", count, x -> x[0])
        .description("backends that can serve the capability now (live, enabled, not down, breaker not open)")
        .tags("capability", c).register(registry);
      return count;
    });
  }

  private void gauge(String name, String description, Backend b, java.util.function.ToDoubleFunction<Backend> value, String id) {
    Gauge.builder(name, b, value).description(description).tags("backend", id).register(registry);
  }
}
