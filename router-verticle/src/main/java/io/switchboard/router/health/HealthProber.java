package io.switchboard.router.health;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Active health: asks each backend for its health ({@link Headers#OP_HEALTH} on its bus address; a cloud adapter
 * answers from its own cached probe of the upstream) and remembers the answers. A backend that does not answer in
 * time, or has no handler, is down. The router routes by the worse of this and the health its heartbeats report,
 * for as long as the probe is fresh. Owned by the router's event loop.
 *
 * <p>A probe goes to the backend's shared address, which the bus hands to one of its instances in turn. In a cluster
 * that one may be an instance just killed or leaving, whose subscription the cluster has not dropped yet: its probe
 * times out (or finds no handler) though the other instances are well, and the whole backend would be down for as
 * long as the probe is fresh. So a probe that got no answer is sent once more (to the next instance) before the
 * backend counts as down.
 */
public final class HealthProber {

  /** One probe's result. */
  public record Probe(Health health, long atMs, long tookMs) {
    public JsonObject toJson() {
      return new JsonObject().put("health", health.toJson()).put("checked_at", atMs).put("took_ms", tookMs);
    }
  }

  private final Vertx vertx;
  private final LongSupplier clock;
  private final long timeoutMs;
  private final long freshMs;
  private final Map<String, Probe> probes = new HashMap<>();

  /** @param freshMs how long a probe result is used for routing (a few probe intervals) */
  public HealthProber(Vertx vertx, LongSupplier clock, long timeoutMs, long freshMs) {
    this.vertx = vertx;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.freshMs = freshMs;
  }

  /** Probes every backend of {@code ids} now; completes with every result once all have answered or timed out. */
  public Future<Map<String, Probe>> probeAll(Collection<String> ids) {
    List<Future<Void>> all = new ArrayList<>();
    Map<String, Probe> out = new LinkedHashMap<>();
    for (String id : ids) {
      all.add(probe(id).map(p -> {
        out.put(id, p);
        return null;
      }));
    }
    return Future.join(all).transform(ar -> Future.succeededFuture(out));
  }

  public Future<Probe> probe(String backendId) {
    long start = clock.getAsLong();
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.OP, Headers.OP_HEALTH).setSendTimeout(timeoutMs);
    String address = Addresses.backend(backendId);
    return vertx.eventBus().<Object>request(address, new JsonObject(), options)
      .recover(err -> unanswered(err) ? vertx.eventBus().<Object>request(address, new JsonObject(), options) : Future.failedFuture(err))
      .transform(ar -> {
        long now = clock.getAsLong();
        Health h;
        if (ar.succeeded() && ar.result().body() instanceof JsonObject json) {
          h = Health.fromJson(json);
        } else if (ar.succeeded()) {
          h = Health.down("health check: malformed answer");
        } else {
          h = Health.down("health check: " + MeshException.from(ar.cause()).getMessage());
        }
        Probe p = new Probe(h, now, now - start);
        probes.put(backendId, p);
        return Future.succeededFuture(p);
      });
  }

  /** No instance answered: the probe timed out or found no handler (not an answer saying the backend is down). */
  private static boolean unanswered(Throwable err) {
    return err instanceof ReplyException r && (r.failureType() == ReplyFailure.TIMEOUT || r.failureType() == ReplyFailure.NO_HANDLERS);
  }

  public Probe last(String backendId) {
    return probes.get(backendId);
  }

  /** The worse of {@code reported} and a fresh probe. */
  public Health combine(String backendId, Health reported, long nowMs) {
    Probe p = probes.get(backendId);
    if (p == null || nowMs - p.atMs > freshMs || p.health.status().ordinal() <= reported.status().ordinal()) {
      return reported;
    }
    return p.health;
  }

  /** Forgets backends no longer known. */
  public void retain(Collection<String> ids) {
    probes.keySet().retainAll(ids);
  }
}
