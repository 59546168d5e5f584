package io.switchboard.router.admin;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.limits.Limits;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /api/v1/providers/status}: every backend this router knows, live (from the registry) or only
 * configured, with what routing sees of it: its instances (each with its reported health), enabled, priority,
 * capabilities, models, privacy class, list prices per model, breaker, health (reported, probed, effective), latency
 * percentiles, error rate, limits and current usage. Latency and error rate are also given per instance, so that an
 * operator sees which instance of a backend is slow or failing. The breaker stays per backend: routing plans whole
 * backends, and an instance is taken out of rotation only by the registry (heartbeats stopped, or no handler), not by
 * its error rate.
 */
final class StatusReport {

  private StatusReport() {
  }

  /**
   * Each instance with the health its last heartbeat reported, how long ago that was, and what this router saw of
   * its requests there (latency percentiles, error rate, samples; the breaker is the backend's, see the class note).
   */
  private static JsonArray instances(BackendRegistry registry, RouterState state, String id, long now) {
    JsonArray out = new JsonArray();
    for (BackendRegistry.InstanceView i : registry.instances(id)) {
      PassiveStats.Figures f = state.stats().instanceFigures(i.id(), now);
      out.add(new JsonObject().put("id", i.id()).put("health", i.health().toJson()).put("seen_ms_ago", i.seenMsAgo())
        .put("latency_ms", new JsonObject().put("p50", f.p50Ms()).put("p95", f.p95Ms()))
        .put("error_rate", f.errorRate())
        .put("samples", f.samples()));
    }
    return out;
  }

  static Future<JsonObject> build(BackendRegistry registry, RouterState state, Routing routing) {
    long now = state.now();
    Map<String, JsonObject> rows = new LinkedHashMap<>();
    for (BackendRegistry.LiveBackend b : registry.live()) {
      BackendDescriptor d = b.descriptor();
      JsonArray caps = new JsonArray();
      d.capabilities().stream().map(Capability::wireName).sorted().forEach(caps::add);
      Health effective = state.health(d.id(), b.health());
      rows.put(d.id(), new JsonObject()
        .put("id", d.id())
        .put("type", d.type())
        .put("live", true)
        .put("instances", b.instances())
        .put("instance_list", instances(registry, state, d.id(), now))
        .put("capabilities", caps)
        .put("models", new JsonArray(new ArrayList<>(d.models())))
        .put("aliases", new JsonObject(new LinkedHashMap<>(d.aliases())))
        .put("privacy", d.privacy().wireName())
        .put("prices", prices(d))
        .put("priority", state.priority(d.id(), d.priority()))
        .put("configured_priority", d.priority())
        .put("health", effective.toJson())
        .put("reported_health", b.health().toJson()));
    }
    for (Object o : routing.settings().backends()) {
      if (o instanceof JsonObject entry && entry.getValue("id") instanceof String id && !rows.containsKey(id)) {
        rows.put(id, new JsonObject()
          .put("id", id)
          .put("type", entry.getString("type"))
          .put("live", false)
          .put("conf_enabled", entry.getBoolean("enabled", true))
          .put("instances", 0)
          .put("capabilities", entry.getValue("capabilities") instanceof JsonArray a ? a.copy() : new JsonArray())
          .put("models", entry.getValue("models") instanceof JsonArray a ? a.copy() : new JsonArray())
          .put("privacy", entry.getValue("privacy"))
          .put("priority", state.priority(id, entry.getInteger("priority", 100)))
          .put("configured_priority", entry.getInteger("priority", 100))
          .put("health", Health.down(entry.getBoolean("enabled", true) ? "not running (no live instance)" : "disabled in conf").toJson()));
      }
    }
    List<Future<JsonObject>> usages = new ArrayList<>();
    for (JsonObject row : rows.values()) {
      String id = row.getString("id");
      ProviderOverride override = state.admin().provider(id);
      Limits limits = state.admin().limits(id, routing.settings().limitsOf(id));
      PassiveStats.Figures f = state.stats().figures(id, now);
      HealthProber.Probe probe = state.prober().last(id);
      long cooldown = state.cooldowns().until(id) - now;
      row.put("enabled", state.enabled(id) && row.getBoolean("conf_enabled", true))
        .put("breaker", new JsonObject().put("state", state.breaker(id).name().toLowerCase(Locale.ROOT))
          .put("failures", state.breakers().failures(id)))
        .put("probe", probe == null ? null : probe.toJson())
        .put("latency_ms", new JsonObject().put("p50", f.p50Ms()).put("p95", f.p95Ms()))
        .put("error_rate", f.errorRate())
        .put("samples", f.samples())
        .put("cooldown_ms", Math.max(0, cooldown))
        .put("limits", limits.toJson())
        .put("override", override.toJson());
      usages.add(state.limiter().usage(id).recover(err -> Future.succeededFuture(new JsonObject().put("error", err.getMessage())))
        .onSuccess(u -> row.put("usage", u)));
    }
    return Future.all(usages).map(v -> {
      JsonArray list = new JsonArray();
      rows.values().forEach(list::add);
      return new JsonObject().put("backends", list).put("strategy", routing.policy().settings().toJson());
    });
  }

  /** List prices per model ({@code *}: the models without their own), as the descriptor has them. */
  private static JsonObject prices(BackendDescriptor d) {
    JsonObject out = new JsonObject();
    d.prices().forEach((model, p) -> out.put(model, p.toJson()));
    return out;
  }
}
