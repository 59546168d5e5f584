package io.switchboard.router;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.PriceBook;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.router.admin.AdminService;
import io.switchboard.router.admin.AdminState;
import io.switchboard.router.health.Breakers;
import io.switchboard.router.health.Cooldowns;
import io.switchboard.router.health.HealthProber;
import io.switchboard.router.health.PassiveStats;
import io.switchboard.router.health.ProbeSchedule;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.metrics.CacheMetrics;
import io.switchboard.router.metrics.GaugeSchedule;
import io.switchboard.router.metrics.MeteredRequests;
import io.switchboard.router.metrics.RequestMetrics;
import io.switchboard.router.registry.BackendRegistry;
import io.switchboard.router.registry.KnownBackends;
import io.switchboard.router.registry.RegistryListener;
import io.switchboard.router.reload.Reloader;
import io.switchboard.router.usage.Metering;
import io.switchboard.router.usage.UsageMeter;
import io.switchboard.router.usage.UsageRecorder;
import io.switchboard.router.usage.UsageSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Wires the router: the registry listener, the capability entry points ({@link EntryPoints}), the admin operations and
 * updates, conf reloads ({@link Reloader}) and the health probes. Config is the {@code router} conf section plus the
 * {@code backends} array ({@link RouterSettings} lists the keys). With usage settings, requests go through the usage
 * ledger ({@link UsageMeter}: keys, budgets, one record each). With metrics on, every finished request is counted
 * ({@link MeteredRequests}) and the backends', ledger's and budgets' gauges are refreshed every
 * {@code gauges_refresh_ms} (5000) and {@code budget_gauges_refresh_ms} (60000) ({@link GaugeSchedule}).
 *
 * <p>Stopping drains: the entry points are unregistered and the requests in flight, relayed streams included, get up
 * to {@code drain_timeout_ms} (30000) to finish ({@link #drain}); a node stopping in order first closes them to other
 * nodes only ({@link #closeToCluster}). {@link EntryPoints} tells the protocol.
 */
public final class RouterVerticle extends VerticleBase {

  private final UsageSettings usage;
  private final PriceBook prices;
  private KeyVerifier keys;
  private RouterState state;
  private Reloader reloader;
  private EntryPoints entryPoints;
  private GaugeSchedule gauges;
  private long drainTimeoutMs;
  private Artifacts artifacts;

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
    JsonHandOver.register(vertx);
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
    LongSupplier clock = System::currentTimeMillis;
    String routerId = "router@" + UUID.randomUUID().toString().substring(0, 8);
    AdminState admin = new AdminState();
    RateLimiter limiter = new RateLimiter(vertx.sharedData(), clock,
      id -> admin.limits(id, reloader.routing().settings().limitsOf(id)), settings.limitWindowMs(), settings.leaseFraction());
    BackendRegistry registry = new BackendRegistry(settings.heartbeatTimeoutMs(), clock);
    state = new RouterState(admin, new Breakers(vertx, settings.breaker(), routerId),
      new HealthProber(vertx, clock, settings.healthTimeoutMs(), 3 * settings.healthIntervalMs()),
      new PassiveStats(settings.passiveSamples(), settings.passiveWindowMs(), settings.maxErrorRate(), settings.minSamples()),
      new Cooldowns(), limiter, clock, new KnownBackends(registry, vertx.sharedData().getLocalMap(Addresses.BACKENDS_OFF_MAP)));
    return artifacts().compose(a -> {
      artifacts = a;
      return metering(settings, clock);
    }).compose(m -> wire(settings, registry, m));
  }

  /**
   * The node's artifact store and exact cache, from the {@code artifacts} and {@code cache} slices; none (answers still
   * get their CIDs) when the config has neither slice, as a router deployed alone in a test.
   */
  private Future<Artifacts> artifacts() {
    JsonObject a = config().getJsonObject("artifacts");
    JsonObject c = config().getJsonObject("cache");
    if (a == null && c == null) {
      return Future.succeededFuture();
    }
    return Artifacts.start(vertx, a, c, System.getenv())
      .recover(e -> Future.failedFuture(new IllegalArgumentException("artifacts/cache: " + e.getMessage(), e)));
  }

  /** The node's artifacts and exact cache (null when not configured), for the web verticle's artifact routes. */
  public Artifacts artifactsOrNull() {
    return artifacts;
  }

  private Future<Metering> metering(RouterSettings settings, LongSupplier clock) {
    if (!usage.enabled()) {
      return Future.succeededFuture(Metering.NONE);
    }
    return KeyVerifier.overBus(vertx).map(verifier -> {
      keys = verifier;
      return new UsageMeter(verifier, BudgetGuard.overBus(vertx, verifier), prices,
        new UsageRecorder(vertx, usage.durableAnswers(), usage.recordTimeoutMs()), vertx.sharedData(),
        clock, settings.limitWindowMs(), settings.leaseFraction());
    });
  }

  private Future<?> wire(RouterSettings settings, BackendRegistry registry, Metering metering) {
    reloader = new Reloader(settings, state, new ProbeSchedule(vertx, registry, state.prober()));
    MeterRegistry meters = BackendRegistries.getDefaultNow();
    // A model label only for what the backend's descriptor declares: a backend that takes any model name must not
    // turn callers' strings into label values.
    RequestMetrics requestMetrics = RequestMetrics.of(meters, (backend, model) -> {
      BackendRegistry.LiveBackend b = registry.get(backend);
      return b != null && (b.descriptor().models().contains(model) || b.descriptor().aliases().containsValue(model))
        ? model : RequestMetrics.OTHER;
    });
    RequestRouter router = new RequestRouter(vertx, registry, reloader::routing, state, settings.streamIdleTimeoutMs(),
      MeteredRequests.wrap(metering, requestMetrics, prices), artifacts);
    if (meters != null && artifacts != null) {
      CacheMetrics.register(meters, artifacts.cache());
    }
    AdminService adminService = new AdminService(vertx, registry, state, reloader::routing, reloader::strategyChanged);
    if (meters != null) {
      gauges = GaugeSchedule.start(vertx, meters, adminService::status, usage.enabled(),
        config().getLong("gauges_refresh_ms", 5000L), config().getLong("budget_gauges_refresh_ms", 60_000L));
    }
    RegistryListener registryListener = new RegistryListener(vertx, registry, lost -> {
      router.instancesLost(lost);
      state.cooldowns().sweep(state.now());
      state.stats().sweepInstances(state.now());
    });
    entryPoints = new EntryPoints(vertx, context, router);
    List<MessageConsumer<?>> consumers = List.of(
      vertx.eventBus().localConsumer(Addresses.ROUTER_ADMIN, adminService::handle),
      vertx.eventBus().<JsonObject>consumer(Addresses.ROUTER_ADMIN_UPDATES, m -> adminService.apply(m.body())),
      vertx.eventBus().localConsumer(Addresses.ROUTER_RELOAD, reloader::handle));
    List<Future<?>> ready = new ArrayList<>(consumers.stream().map(MessageConsumer::completion).toList());
    ready.add(registryListener.start());
    ready.add(entryPoints.open());
    return Future.all(ready)
      .compose(v -> adminService.loadStored())
      .onSuccess(v -> registryListener.sync());
  }

  /** Stops taking requests from other nodes, the first step of a router node's graceful stop ({@link EntryPoints}). */
  public Future<Void> closeToCluster() {
    return entryPoints.closeToCluster();
  }

  /**
   * Stops taking requests and waits up to {@code timeoutMs} for those in flight; completes with the number still in
   * flight then. Called again, returns the first call's future. {@link #stop} calls it with {@code drain_timeout_ms}.
   */
  public Future<Integer> drain(long timeoutMs) {
    return entryPoints.drain(timeoutMs);
  }

  @Override
  public Future<?> stop() {
    if (gauges != null) {
      gauges.stop();
    }
    return drain(drainTimeoutMs).eventually(() -> {
      state.breakers().close();
      return keys == null ? Future.succeededFuture() : keys.close();
    }).eventually(() -> artifacts == null ? Future.succeededFuture() : artifacts.stop());
  }
}
