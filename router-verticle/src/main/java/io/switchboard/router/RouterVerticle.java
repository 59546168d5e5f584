package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.PriceBook;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.router.admin.AdminService;
import io.switchboard.router.admin.AdminState;
import io.switchboard.router.health.Breakers;
import io.switchboard.router.health.Cooldowns;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PolicySettings;
import io.switchboard.router.policy.RoutingPolicy;
import io.switchboard.router.registry.BackendRegistry;
import io.switchboard.router.usage.Metering;
import io.switchboard.router.usage.UsageMeter;
import io.switchboard.router.usage.UsageRecorder;
import io.switchboard.router.usage.UsageSettings;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Wires the router: keeps the registry from heartbeats, serves the registry view, consumes the four capability
 * entry points, the admin operations and updates, and conf reloads; probes backends' health on a timer. Config is
 * the {@code router} conf section plus the {@code backends} array ({@link RouterSettings} lists the keys). With
 * usage settings, requests go through the usage ledger ({@link UsageMeter}: keys, budgets, one record each).
 *
 * <p>Stopping drains: the capability entry points are unregistered (the cluster sends new requests to the other
 * routers) and the requests in flight, relayed streams included, get up to {@code drain_timeout_ms} (30000) to
 * finish ({@link #drain}). A node stopping in order first closes them to other nodes only ({@link #closeToCluster}),
 * so that its own web verticle's open HTTP requests still reach this router while they drain. A request another node
 * sends in the moment the cluster has not yet heard of the unregistration is dropped by Vert.x unanswered (the
 * caller's send timeout): nothing was done for it, so a bus caller may safely send it again.
 */
public final class RouterVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(RouterVerticle.class.getName());

  private final UsageSettings usage;
  private final PriceBook prices;
  private KeyVerifier keys;
  private BackendRegistry registry;
  private RouterState state;
  private volatile Routing routing;
  private long probeTimer = -1;
  private long drainTimeoutMs;
  private InFlightRequests inFlight;
  private RequestRouter requestRouter;
  /** The capability entry points registered now: clustered, then local-only once closed to the cluster. */
  private final List<MessageConsumer<Object>> entryPoints = new ArrayList<>();
  private boolean closedToCluster;
  private Future<Integer> drained;

  /** A router without a usage ledger: no keys, budgets nor records. */
  public RouterVerticle() {
    this(UsageSettings.OFF, null);
  }

  /**
   * @param usage  how requests use the usage ledger ({@link UsageSettings#OFF}: not at all)
   * @param prices the ledger's price table, for the cost of finished requests; null prices them from descriptors
   */
  public RouterVerticle(UsageSettings usage, PriceBook prices) {
    this.usage = usage;
    this.prices = prices;
  }

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
    RouterSettings settings;
    try {
      settings = RouterSettings.parse(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("invalid router configuration: " + e.getMessage()));
    }
    if (!(config().getValue("drain_timeout_ms", 30_000L) instanceof Number drain) || drain.longValue() < 0) {
      return Future.failedFuture(new IllegalArgumentException("invalid router configuration: router.drain_timeout_ms must be a "
        + "number of milliseconds, 0 or more"));
    }
    drainTimeoutMs = drain.longValue();
    inFlight = new InFlightRequests(vertx);
    String routerId = "router@" + UUID.randomUUID().toString().substring(0, 8);
    registry = new BackendRegistry(settings.heartbeatTimeoutMs(), System::currentTimeMillis);
    AdminState admin = new AdminState();
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), System::currentTimeMillis,
      id -> admin.limits(id, routing.settings().limitsOf(id)), settings.limitWindowMs(), settings.leaseFraction());
    state = new RouterState(admin, new Breakers(vertx, settings.breaker(), routerId),
      new HealthProber(vertx, System::currentTimeMillis, settings.healthTimeoutMs(), 3 * settings.healthIntervalMs()),
      new PassiveStats(settings.passiveSamples(), settings.passiveWindowMs(), settings.maxErrorRate(), settings.minSamples()),
      new Cooldowns(), limiter, System::currentTimeMillis);
    routing = build(settings);
    return metering(settings).compose(m -> wire(settings, new RequestRouter(vertx, registry, () -> routing, state,
      settings.streamIdleTimeoutMs(), m)));
  }

  private Future<Metering> metering(RouterSettings settings) {
    if (!usage.enabled()) {
      return Future.succeededFuture(Metering.NONE);
    }
    return KeyVerifier.overBus(vertx).map(verifier -> {
      keys = verifier;
      return new UsageMeter(verifier, BudgetGuard.overBus(vertx, verifier), prices,
        new UsageRecorder(vertx, usage.durableAnswers(), usage.recordTimeoutMs()), vertx.sharedData(),
        System::currentTimeMillis, settings.limitWindowMs(), settings.leaseFraction());
    });
  }

  private Future<?> wire(RouterSettings settings, RequestRouter router) {
    AdminService adminService = new AdminService(vertx, registry, state, () -> routing, () -> routing = build(routing.settings()));
    requestRouter = router;
    entryPoints.addAll(entryPoints(false));

    List<MessageConsumer<?>> consumers = new ArrayList<>(List.of(
      vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY, m -> onAnnounce(m.body())),
      vertx.eventBus().consumer(Addresses.REGISTRY_VIEW, m -> m.reply(registry.toJson())),
      vertx.eventBus().localConsumer(Addresses.ROUTER_ADMIN, adminService::handle),
      vertx.eventBus().<JsonObject>consumer(Addresses.ROUTER_ADMIN_UPDATES, m -> adminService.apply(m.body())),
      vertx.eventBus().localConsumer(Addresses.ROUTER_RELOAD, this::reload)));
    consumers.addAll(entryPoints);
    long heartbeatTimeout = settings.heartbeatTimeoutMs();
    vertx.setPeriodic(registry.sweepIntervalMs(), t -> {
      List<String> dropped = registry.sweep();
      dropped.forEach(id -> LOG.log(System.Logger.Level.WARNING, "backend instance {0} dropped: no heartbeat for {1} ms", id, heartbeatTimeout));
      router.instancesLost(dropped);
      state.cooldowns().sweep(state.now());
    });
    scheduleProbes(settings.healthIntervalMs());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
      .compose(v -> adminService.loadStored())
      .onSuccess(v -> vertx.eventBus().publish(Addresses.REGISTRY_SYNC, new JsonObject()));
  }

  /** The four capability entry points, each request counted in flight until the caller has its answer. */
  private List<MessageConsumer<Object>> entryPoints(boolean localOnly) {
    return List.of(entryPoint(Addresses.CHAT, requestRouter::chat, localOnly),
      entryPoint(Addresses.EMBED, requestRouter::embed, localOnly),
      entryPoint(Addresses.TRANSCRIBE, requestRouter::transcribe, localOnly),
      entryPoint(Addresses.SPEECH, requestRouter::speech, localOnly));
  }

  private MessageConsumer<Object> entryPoint(String address, Handler<Message<Object>> route, boolean localOnly) {
    Handler<Message<Object>> handler = m -> {
      Message<Object> request = inFlight.track(m);
      try {
        route.handle(request);
      } catch (RuntimeException e) {
        // A bug must not leave the caller waiting for its timeout, nor the request counted in flight for ever.
        LOG.log(System.Logger.Level.ERROR, "request on " + address + " failed in the router", e);
        request.reply(MeshException.from(e));
      }
    };
    return localOnly ? vertx.eventBus().localConsumer(address, handler) : vertx.eventBus().consumer(address, handler);
  }

  /**
   * Stops taking requests from other nodes: the entry points become local-only, so the cluster sends new requests
   * to the other routers while this node's web verticle (which sends local-only) still reaches this router. The
   * first step of a router node's graceful stop; nothing to do on a Vert.x that is not clustered.
   */
  public Future<Void> closeToCluster() {
    return onContext(() -> {
      if (closedToCluster || drained != null || !vertx.isClustered()) {
        return Future.succeededFuture();
      }
      closedToCluster = true;
      List<MessageConsumer<Object>> clustered = List.copyOf(entryPoints);
      List<MessageConsumer<Object>> local = entryPoints(true);
      entryPoints.addAll(local);
      // The local ones first: never a moment with no entry point for this node's own web verticle.
      return Future.all(local.stream().map(MessageConsumer::completion).toList())
        .compose(v -> {
          entryPoints.removeAll(clustered);
          return unregister(clustered);
        });
    });
  }

  /**
   * Stops taking requests (the entry points are unregistered: the cluster sends new ones to the other routers, and
   * with no router left a caller gets "no handlers") and waits up to {@code timeoutMs} for the requests in flight,
   * relayed streams included, to finish. Completes with the number still in flight then (0: all finished). Called
   * again, returns the first call's future. {@link #stop} calls it with {@code drain_timeout_ms}.
   */
  public Future<Integer> drain(long timeoutMs) {
    return onContext(() -> {
      if (drained == null) {
        List<MessageConsumer<Object>> open = List.copyOf(entryPoints);
        entryPoints.clear();
        int atStart = inFlight.count();
        LOG.log(System.Logger.Level.INFO, "router stopping: takes no new requests; {0} in flight get up to {1,number,#} ms to finish",
          atStart, timeoutMs);
        drained = unregister(open).transform(ar -> inFlight.idle(timeoutMs)).onSuccess(left -> {
          if (left > 0) {
            LOG.log(System.Logger.Level.WARNING, "router stopped with {0} request(s) still in flight after {1,number,#} ms", left, timeoutMs);
          }
        });
      }
      return drained;
    });
  }

  @Override
  public Future<?> stop() {
    return drain(drainTimeoutMs).eventually(() -> {
      state.breakers().close();
      return keys == null ? Future.succeededFuture() : keys.close();
    });
  }

  private static Future<Void> unregister(List<MessageConsumer<Object>> consumers) {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** Runs {@code action} on this verticle's event loop (the stop steps may be called from any thread). */
  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(done));
    return done.future();
  }

  /** The routing in force for {@code settings}, with the operator's strategy changes laid over conf's. */
  private Routing build(RouterSettings settings) {
    PolicySettings policy;
    try {
      policy = settings.policy().merge(state.admin().strategy());
    } catch (IllegalArgumentException e) {
      LOG.log(System.Logger.Level.WARNING, "operator strategy changes no longer valid, using conf''s: {0}", e.getMessage());
      policy = settings.policy();
    }
    return new Routing(settings, new RoutingPolicy(policy), new CostEstimator(policy.defaultCompletionTokens()));
  }

  private void scheduleProbes(long intervalMs) {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
    probeTimer = vertx.setPeriodic(intervalMs, t -> {
      List<String> ids = registry.live().stream().map(BackendRegistry.LiveBackend::id).toList();
      state.prober().retain(ids);
      state.prober().probeAll(ids);
    });
  }

  /**
   * A new conf (hot reload): applied whole or not at all. Requests in flight keep the plan they started with.
   * Passive-stats sizes, the rate window and heartbeat/stream timeouts take effect at the next start.
   */
  private void reload(Message<JsonObject> msg) {
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
      scheduleProbes(next.healthIntervalMs());
    }
    LOG.log(System.Logger.Level.INFO, "router configuration reloaded (strategy {0}, default privacy {1})",
      routing.policy().settings().defaultStrategy().wireName(), routing.policy().settings().defaultPrivacy().wireName());
    msg.reply(new JsonObject().put("applied", true));
  }

  private void onAnnounce(JsonObject json) {
    BackendDescriptor d;
    try {
      d = BackendDescriptor.fromJson(json);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "ignored a malformed registry announcement: {0}", e.getMessage());
      return;
    }
    if (registry.announce(d)) {
      LOG.log(System.Logger.Level.INFO, "backend {0} ({1}) {2}: {3}", d.id(), d.instanceId(),
        d.leaving() ? "left" : "announced", d.health().status().wireName());
    }
  }
}
