package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admin page sessions that logged out before they expired. A session is a signed cookie any node can verify
 * ({@link SessionTokens}), so logging out must reach every node: the session is published to every web verticle
 * ({@link Addresses#ADMIN_SESSIONS_REVOKED}) and kept in the cluster-wide map of the same name until it would have
 * expired, for nodes that start later. Checking is a local lookup.
 */
final class SessionRevocations {

  private static final System.Logger LOG = System.getLogger(SessionRevocations.class.getName());

  private final Vertx vertx;
  private final Map<String, Long> revoked = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> consumer;

  SessionRevocations(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens for logouts elsewhere and loads those made before this node started. */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.ADMIN_SESSIONS_REVOKED, m -> add(m.body()));
    return consumer.completion()
      .compose(v -> map())
      .compose(AsyncMap::entries)
      .map(entries -> {
        entries.forEach((id, until) -> revoked.put(id, until));
        return (Void) null;
      })
      .recover(err -> {
        LOG.log(System.Logger.Level.WARNING, "logged-out admin sessions not loaded: {0}", err.getMessage());
        return Future.succeededFuture();
      });
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Ends session {@code id} (valid until {@code untilMs}) on every node. */
  Future<Void> revoke(String id, long untilMs) {
    revoked.put(id, untilMs);
    long ttl = Math.max(1, untilMs - System.currentTimeMillis());
    JsonObject event = new JsonObject().put("session", id).put("until", untilMs);
    return map().compose(m -> m.put(id, untilMs, ttl))
      .onComplete(ar -> vertx.eventBus().publish(Addresses.ADMIN_SESSIONS_REVOKED, event))
      .recover(err -> {
        LOG.log(System.Logger.Level.WARNING, "logged-out admin session not stored cluster-wide: {0}", err.getMessage());
        return Future.succeededFuture();
      });
  }

  boolean isRevoked(String id, long nowMs) {
    Long until = revoked.get(id);
    if (until == null) {
      return false;
    }
    if (until <= nowMs) {
      revoked.remove(id);
      return false;
    }
    return true;
  }

  private void add(JsonObject event) {
    if (event != null && event.getValue("session") instanceof String id && event.getValue("until") instanceof Number until) {
      revoked.put(id, until.longValue());
    }
  }

  private Future<AsyncMap<String, Long>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.ADMIN_SESSIONS_REVOKED_MAP);
  }
}
