package io.switchboard.router.reload;

import io.switchboard.api.MeshException;
import io.switchboard.router.RouterSettings;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.health.ProbeSchedule;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PolicySettings;
import io.switchboard.router.policy.RoutingPolicy;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The routing in force ({@link Routing}), and the router's side of hot reload: a new conf arrives on
 * {@code switchboard.router.reload} (sent by this node's {@link ConfigWatcher}) and is applied whole or not at all;
 * the operator's strategy changes are laid over conf's whenever either changes. Requests in flight keep the plan they
 * started with. Passive-stats sizes, the rate window and heartbeat/stream timeouts take effect at the next start.
 * Owned by the router's event loop; {@link #routing()} may be read from any thread.
 */
public final class Reloader {

  private static final System.Logger LOG = System.getLogger(Reloader.class.getName());

  private final RouterState state;
  private final ProbeSchedule probes;
  private volatile Routing routing;

  /** Builds the routing for {@code settings} and starts the health probes at its interval. */
  public Reloader(RouterSettings settings, RouterState state, ProbeSchedule probes) {
    this.state = state;
    this.probes = probes;
    this.routing = build(settings);
    probes.every(settings.healthIntervalMs());
  }

  public Routing routing() {
    return routing;
  }

  /** Rebuilds the routing after the operator's strategy settings changed (conf's stay). */
  public void strategyChanged() {
    routing = build(routing.settings());
  }

  /** Applies a new router conf, or answers 400 naming the bad key and keeps the running one. */
  public void handle(Message<JsonObject> msg) {
    RouterSettings next;
    try {
      next = RouterSettings.parse(msg.body());
    } catch (IllegalArgumentException e) {
      msg.reply(MeshException.invalid(null, e.getMessage()));
      return;
    }
    RouterSettings previous = routing.settings();
    state.breakers().reconfigure(next.breaker());
    routing = build(next);
    if (next.healthIntervalMs() != previous.healthIntervalMs()) {
      probes.every(next.healthIntervalMs());
    }
    LOG.log(System.Logger.Level.INFO, "router configuration reloaded (strategy {0}, default privacy {1})",
      routing.policy().settings().defaultStrategy().wireName(), routing.policy().settings().defaultPrivacy().wireName());
    msg.reply(new JsonObject().put("applied", true));
  }

  /** The routing in force for {@code settings}, with the operator's strategy changes laid over conf's. */
  private Routing build(RouterSettings settings) {
    if (state.known() != null) {
      state.known().conf(settings.backends());
    }
    PolicySettings policy;
    try {
      policy = settings.policy().merge(state.admin().strategy());
    } catch (IllegalArgumentException e) {
      LOG.log(System.Logger.Level.WARNING, "operator strategy changes no longer valid, using conf''s: {0}", e.getMessage());
      policy = settings.policy();
    }
    return new Routing(settings, new RoutingPolicy(policy), new CostEstimator(policy.defaultCompletionTokens()));
  }
}
