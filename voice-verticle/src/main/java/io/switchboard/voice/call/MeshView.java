package io.switchboard.voice.call;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The backends a router sees ({@code switchboard.registry.view}), fetched at most every {@code ttlMs}, for two
 * things the router's answers do not tell a call: which other backend can take over a stream that was cut after it
 * started (the router fails over only before the first byte), and the list prices of the backends that served, for
 * the cost per stage in the call's record. Shared by the node's calls; on the voice verticle's context.
 */
public final class MeshView {

  private final Vertx vertx;
  private final long ttlMs;
  private List<BackendDescriptor> backends = List.of();
  private long fetchedAt = Long.MIN_VALUE / 2;
  private Future<List<BackendDescriptor>> fetching;

  public MeshView(Vertx vertx, long ttlMs) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
  }

  /** The live backends (cached up to {@code ttlMs}); an empty list when no router answers. */
  public Future<List<BackendDescriptor>> backends() {
    long now = System.currentTimeMillis();
    if (now - fetchedAt < ttlMs) {
      return Future.succeededFuture(backends);
    }
    if (fetching != null) {
      return fetching;
    }
    fetching = vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(), new DeliveryOptions().setSendTimeout(2000))
      .map(reply -> {
        List<BackendDescriptor> list = new ArrayList<>();
        for (Object o : reply.body().getJsonArray("backends", new JsonArray())) {
          try {
            list.add(BackendDescriptor.fromJson((JsonObject) o));
          } catch (RuntimeException e) {
            // a descriptor this node cannot read is left out
          }
        }
        backends = List.copyOf(list);
        fetchedAt = System.currentTimeMillis();
        return backends;
      })
      .otherwise(e -> backends)
      .onComplete(ar -> fetching = null);
    return fetching;
  }

  /**
   * The first healthy backend, in priority order, that serves {@code capability} for {@code model} within
   * {@code privacy} (null: any) and is not in {@code exclude}; null when there is none.
   */
  public Future<String> alternative(Capability capability, String model, Privacy privacy, Set<String> exclude) {
    return backends().map(list -> list.stream()
      .filter(b -> b.serves(capability) && b.resolveModel(model) != null && !exclude.contains(b.id()))
      .filter(b -> privacy == null || privacy.allows(b.privacy()))
      .filter(b -> b.health().status() != Health.Status.DOWN)
      .min(Comparator.comparingInt(BackendDescriptor::priority))
      .map(BackendDescriptor::id)
      .orElse(null));
  }

  /**
   * True when, as last seen, backends serve speech for {@code model} within {@code privacy} (null: any) but none of
   * them can produce {@code format} at {@code sampleRate}: the router then refuses the request as having no backend
   * (it leaves out backends that cannot make the format), and the call should ask for another format. False when
   * nothing is known yet.
   */
  public boolean noneProduces(String model, Privacy privacy, String format, int sampleRate) {
    List<BackendDescriptor> speech = backends.stream()
      .filter(b -> b.serves(Capability.SPEECH) && b.resolveModel(model) != null)
      .filter(b -> privacy == null || privacy.allows(b.privacy()))
      .toList();
    return !speech.isEmpty() && speech.stream().allMatch(b -> b.outputs().refusal(format, sampleRate) != null);
  }

  /** The privacy class of backend {@code id} as last seen, or null. */
  public Privacy privacyOf(String id) {
    return backends.stream().filter(b -> b.id().equals(id)).findFirst().map(BackendDescriptor::privacy).orElse(null);
  }

  /** List prices of {@code model} on backend {@code id} as last seen; free when unknown. */
  public Prices prices(String id, String model) {
    return backends.stream().filter(b -> b.id().equals(id)).findFirst()
      .map(b -> b.pricesFor(b.resolveModel(model) == null ? model : b.resolveModel(model))).orElse(Prices.FREE);
  }
}
