package io.switchboard.router.registry;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Consumer;

/**
 * Feeds a {@link BackendRegistry} from the bus: parses each announcement on {@code switchboard.registry} (a malformed
 * one is logged and ignored), serves the live view on {@code switchboard.registry.view}, sweeps out instances whose
 * heartbeats stopped, and asks every backend to announce itself at once when it starts
 * ({@code switchboard.registry.sync}). Runs on the router's event loop.
 */
public final class RegistryListener {

  private static final System.Logger LOG = System.getLogger(RegistryListener.class.getName());

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final Consumer<List<String>> instancesLost;

  /** @param instancesLost told the ids of instances dropped by a sweep (their requests in flight move elsewhere) */
  public RegistryListener(Vertx vertx, BackendRegistry registry, Consumer<List<String>> instancesLost) {
    this.vertx = vertx;
    this.registry = registry;
    this.instancesLost = instancesLost;
  }

  /** Listens and starts sweeping; completes once both consumers are registered. */
  public Future<Void> start() {
    MessageConsumer<JsonObject> announcements = vertx.eventBus().consumer(Addresses.REGISTRY, m -> announced(m.body()));
    MessageConsumer<JsonObject> view = vertx.eventBus().consumer(Addresses.REGISTRY_VIEW, m -> m.reply(registry.toJson()));
    vertx.setPeriodic(registry.sweepIntervalMs(), t -> sweep());
    return Future.all(announcements.completion(), view.completion()).mapEmpty();
  }

  /** Asks every backend instance in the cluster to announce itself now, rather than at its next heartbeat. */
  public void sync() {
    vertx.eventBus().publish(Addresses.REGISTRY_SYNC, new JsonObject());
  }

  private void sweep() {
    List<String> dropped = registry.sweep();
    dropped.forEach(id -> LOG.log(System.Logger.Level.WARNING, "backend instance {0} dropped: silent for {1,number,#} ms (timeout "
      + "{2,number,#} ms, this router''s own stall {3,number,#} ms)", id, registry.silenceOf(id), registry.timeoutMs(), registry.lastStallMs()));
    instancesLost.accept(dropped);
  }

  private void announced(JsonObject json) {
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
