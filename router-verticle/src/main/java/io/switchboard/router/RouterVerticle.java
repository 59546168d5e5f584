package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
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
import io.switchboard.usage.budget.BudgetGuard;
import io.switchboard.usage.keys.KeyVerifier;
import io.switchboard.usage.price.PriceBook;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;

/**
 * Wires the router: keeps the registry from heartbeats, serves the registry view, consumes the four capability
 * entry points, the admin operations and updates, and conf reloads; probes backends' health on a timer. Config is
 * the {@code router} conf section plus the {@code backends} array ({@link RouterSettings} lists the keys). With
 * usage settings, requests go through the usage ledger ({@link UsageMeter}: keys, budgets, one record each).
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
    RouterSettings settings;
    try {
      settings = RouterSettings.parse(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("invalid router configuration: " + e.getMessage()));
    }
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

    List<MessageConsumer<?>> consumers = List.of(
      vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY, m -> onAnnounce(m.body())),
      vertx.eventBus().consumer(Addresses.REGISTRY_VIEW, m -> m.reply(registry.toJson())),
      vertx.eventBus().consumer(Addresses.CHAT, router::chat),
      vertx.eventBus().consumer(Addresses.EMBED, router::embed),
      vertx.eventBus().consumer(Addresses.TRANSCRIBE, router::transcribe),
      vertx.eventBus().consumer(Addresses.SPEECH, router::speech),
      vertx.eventBus().localConsumer(RouterAddresses.ADMIN, adminService::handle),
      vertx.eventBus().<JsonObject>consumer(RouterAddresses.ADMIN_UPDATES, m -> adminService.apply(m.body())),
      vertx.eventBus().localConsumer(RouterAddresses.RELOAD, this::reload));
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

  @Override
  public Future<?> stop() {
    state.breakers().close();
    return keys == null ? Future.succeededFuture() : keys.close();
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
