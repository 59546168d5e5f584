package io.switchboard.router.admin;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.bus.BusOps;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The router's side of the admin API: answers the web verticle's operations on {@link Addresses#ROUTER_ADMIN}
 * ({@code status}, {@code update}, {@code health}, {@code compare-cost}, {@code plan}, {@code strategy},
 * {@code set-strategy}),
 * and applies operator changes published by any router on {@link Addresses#ROUTER_ADMIN_UPDATES}. Changes are kept
 * in the cluster-wide map {@link Addresses#ROUTER_ADMIN_MAP} so that a router starting later joins in step.
 */
public final class AdminService {

  private static final System.Logger LOG = System.getLogger(AdminService.class.getName());
  private static final Set<String> STRATEGY_KEYS = Set.of("strategy", "default_privacy", "alias_strategies", "weights",
    "model_weights", "default_completion_tokens");

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final RouterState state;
  private final Supplier<Routing> routing;
  private final Runnable strategyChanged;

  /** @param strategyChanged rebuilds the routing policy after the operator's strategy settings changed */
  public AdminService(Vertx vertx, BackendRegistry registry, RouterState state, Supplier<Routing> routing, Runnable strategyChanged) {
    this.vertx = vertx;
    this.registry = registry;
    this.state = state;
    this.routing = routing;
    this.strategyChanged = strategyChanged;
  }

  /** The provider status ({@code GET /api/v1/providers/status}), also read by the router's gauges. */
  public Future<JsonObject> status() {
    return StatusReport.build(registry, state, routing.get());
  }

  public void handle(Message<JsonObject> msg) {
    BusOps.start(msg.body(), "admin request", RuntimeException.class, body -> switch (body.getString("op", "")) {
      case "status" -> status();
      case "update" -> update(body.getJsonObject("body", new JsonObject()));
      case "health" -> health();
      case "compare-cost" -> Future.succeededFuture(CostComparison.compare(body.getJsonObject("body", new JsonObject()),
        registry, state, routing.get()));
      case "plan" -> Future.succeededFuture(DryRunPlan.plan(body.getJsonObject("body", new JsonObject()), registry, state,
        routing.get()));
      case "strategy" -> Future.succeededFuture(strategy());
      case "set-strategy" -> setStrategy(body.getJsonObject("body", new JsonObject()));
      default -> throw MeshException.invalid("op", "unknown admin operation '" + body.getString("op") + "'");
    }).onComplete(ar -> msg.reply(ar.succeeded() ? ar.result() : MeshException.from(ar.cause())));
  }

  private Future<JsonObject> update(JsonObject body) {
    if (!(body.getValue("provider") instanceof String id) || id.isBlank()) {
      throw MeshException.invalid("provider", "'provider' (a backend id) is required");
    }
    if (registry.get(id) == null && !configured(id)) {
      throw new MeshException(ErrorCode.NOT_FOUND, "unknown provider '" + id + "': neither live nor configured", "provider");
    }
    JsonObject patch = body.copy();
    patch.remove("provider");
    ProviderOverride merged = state.admin().provider(id).merge(patch);
    JsonObject change = new JsonObject().put("kind", "provider").put("provider", id).put("override", merged.toJson());
    return persistAndPublish("provider:" + id, change)
      .map(v -> new JsonObject().put("provider", id).put("override", merged.toJson()).put("enabled", state.enabled(id)));
  }

  private Future<JsonObject> setStrategy(JsonObject body) {
    for (String key : body.fieldNames()) {
      if (!STRATEGY_KEYS.contains(key)) {
        throw MeshException.invalid(key, "unknown strategy setting '" + key + "' (" + String.join(", ", STRATEGY_KEYS.stream().sorted().toList()) + ")");
      }
    }
    JsonObject next = state.admin().strategy().copy().mergeIn(body);
    try {
      routing.get().settings().policy().merge(next);
    } catch (IllegalArgumentException e) {
      // The message starts with the setting's conf path (router.strategy, router.weights.heavy.a): its key is the param.
      java.util.regex.Matcher key = java.util.regex.Pattern.compile("^router\\.([a-z_]+)").matcher(e.getMessage());
      throw MeshException.invalid(key.find() ? key.group(1) : null, e.getMessage());
    }
    JsonObject change = new JsonObject().put("kind", "strategy").put("strategy", next);
    return persistAndPublish("strategy", change).map(v -> strategy());
  }

  private JsonObject strategy() {
    return routing.get().policy().settings().toJson().put("overrides", state.admin().strategy().copy());
  }

  private Future<JsonObject> health() {
    List<String> ids = new ArrayList<>();
    registry.live().forEach(b -> ids.add(b.id()));
    return state.prober().probeAll(ids).map(probes -> {
      JsonArray list = new JsonArray();
      probes.forEach((id, p) -> list.add(p.toJson().put("id", id)));
      return new JsonObject().put("backends", list);
    });
  }

  private boolean configured(String id) {
    for (Object o : routing.get().settings().backends()) {
      if (o instanceof JsonObject e && id.equals(e.getString("id"))) {
        return true;
      }
    }
    return false;
  }

  /** Applies here at once, stores it for routers that start later, and tells every other router. */
  private Future<Void> persistAndPublish(String key, JsonObject change) {
    apply(change);
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.ROUTER_ADMIN_MAP)
      .compose(map -> map.put(key, change.encode()))
      .recover(err -> {
        LOG.log(System.Logger.Level.WARNING, "admin change not stored in the cluster map ({0}); routers starting later will miss it",
          err.getMessage());
        return Future.succeededFuture();
      })
      .onComplete(ar -> vertx.eventBus().publish(Addresses.ROUTER_ADMIN_UPDATES, change));
  }

  /** Applies one published change (idempotent: every change carries the whole new state of what it changes). */
  public void apply(JsonObject change) {
    try {
      switch (change.getString("kind", "")) {
        case "provider" -> state.admin().setProvider(change.getString("provider"), ProviderOverride.fromJson(change.getJsonObject("override")));
        case "strategy" -> {
          state.admin().setStrategy(change.getJsonObject("strategy"));
          strategyChanged.run();
        }
        default -> LOG.log(System.Logger.Level.WARNING, "ignored an admin change of unknown kind: {0}", change.getString("kind"));
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "ignored a malformed admin change: {0}", e.getMessage());
    }
  }

  /** Loads the changes made before this router started. */
  public Future<Void> loadStored() {
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.ROUTER_ADMIN_MAP)
      .compose(AsyncMap::entries)
      .map(entries -> {
        entries.values().forEach(v -> apply(new JsonObject(v)));
        return (Void) null;
      })
      .recover(err -> {
        LOG.log(System.Logger.Level.WARNING, "could not read stored admin changes: {0}", err.getMessage());
        return Future.succeededFuture();
      });
  }
}
