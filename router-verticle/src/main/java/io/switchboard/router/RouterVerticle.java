package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.Strategy;
import io.switchboard.router.policy.RoutingPolicy;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Consumer;

/**
 * Wires the router: keeps the registry from heartbeats, serves the registry view, and consumes the four
 * capability entry points. Config (the {@code router} slice): {@code default_privacy} (cloud), {@code strategy}
 * (fallback), {@code timeout_ms} (120000), {@code stream_idle_timeout_ms} (60000), {@code heartbeat_timeout_ms} (6000).
 */
public final class RouterVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(RouterVerticle.class.getName());

  private final Consumer<Finished> listener;
  private BackendRegistry registry;
  private volatile RoutingPolicy policy;

  public RouterVerticle() {
    this(null);
  }

  /** @param listener told of every finished request (usage ledger, metrics); may be null */
  public RouterVerticle(Consumer<Finished> listener) {
    this.listener = listener;
  }

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    JsonObject conf = config();
    long heartbeatTimeout = conf.getLong("heartbeat_timeout_ms", 6_000L);
    registry = new BackendRegistry(heartbeatTimeout, System::currentTimeMillis);
    policy = new RoutingPolicy(Privacy.parse(conf.getString("default_privacy", "cloud")),
      Strategy.parse(conf.getString("strategy", "fallback")));
    RequestRouter router = new RequestRouter(vertx, registry, () -> policy, conf.getLong("timeout_ms", 120_000L),
      conf.getLong("stream_idle_timeout_ms", 60_000L), listener);

    List<MessageConsumer<?>> consumers = List.of(
      vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY, m -> onAnnounce(m.body())),
      vertx.eventBus().consumer(Addresses.REGISTRY_VIEW, m -> m.reply(registry.toJson())),
      vertx.eventBus().consumer(Addresses.CHAT, router::chat),
      vertx.eventBus().consumer(Addresses.EMBED, router::embed),
      vertx.eventBus().consumer(Addresses.TRANSCRIBE, router::transcribe),
      vertx.eventBus().consumer(Addresses.SPEECH, router::speech));
    vertx.setPeriodic(Math.max(100, heartbeatTimeout / 4), t -> {
      List<String> dropped = registry.sweep();
      dropped.forEach(id -> LOG.log(System.Logger.Level.WARNING, "backend instance {0} dropped: no heartbeat for {1} ms", id, heartbeatTimeout));
      router.instancesLost(dropped);
    });
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
      .onSuccess(v -> vertx.eventBus().publish(Addresses.REGISTRY_SYNC, new JsonObject()));
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
