package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code GET /admin/api/events}: the admin page's live feed, as server-sent events. {@code status} (the provider
 * status, every {@value #PERIOD_MS} ms while a page is open), {@code breaker} (a breaker transition anywhere in the
 * cluster, at once), {@code audit} (a new audit entry, at once), and {@code draining} when this node begins its
 * graceful stop: then the stream ends, so that an open page never holds the node's drain, and the page shows the node
 * draining. A stream opened with a session ends when the session expires or logs out. One timer and one consumer per
 * address serve every open page of this web verticle.
 */
final class LiveFeed {

  static final long PERIOD_MS = 2000;

  private final Vertx vertx;
  private final Supplier<Future<JsonObject>> status;
  private final String node;
  private final Predicate<SessionTokens.Session> live;
  /** Open streams, each with the session that opened it (none: the bearer token). */
  private final Map<HttpServerResponse, Optional<SessionTokens.Session>> streams = new ConcurrentHashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private long timer = -1;
  private boolean ticking;

  /**
   * @param status the provider status, from this node's router
   * @param live   whether a session may still read (not expired, not logged out)
   */
  LiveFeed(Vertx vertx, Supplier<Future<JsonObject>> status, String node, Predicate<SessionTokens.Session> live) {
    this.vertx = vertx;
    this.status = status;
    this.node = node;
    this.live = live;
  }

  Future<Void> start() {
    consumers.add(vertx.eventBus().consumer(Addresses.BREAKER, m -> broadcast("breaker", m.body())));
    consumers.add(vertx.eventBus().consumer(Addresses.ADMIN_AUDIT, m -> broadcast("audit", m.body())));
    timer = vertx.setPeriodic(PERIOD_MS, t -> tick());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  Future<Void> stop() {
    vertx.cancelTimer(timer);
    List.copyOf(streams.keySet()).forEach(LiveFeed::end);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /** Opens one page's stream: the current status at once, then the events above. */
  void open(RoutingContext ctx) {
    HttpServerResponse res = ctx.response();
    res.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-store")
      .putHeader("x-accel-buffering", "no");
    streams.put(res, Optional.ofNullable(ctx.get(AdminAuth.SESSION)));
    res.closeHandler(v -> streams.remove(res));
    ctx.request().connection().shutdownHandler(v -> {
      // The server is shutting down (the node drains): say so and end, rather than hold the drain open.
      send(res, "draining", new JsonObject().put("node", node).put("draining", true));
      streams.remove(res);
      end(res);
    });
    res.write("retry: 3000\n\n");
    status.get().onSuccess(s -> send(res, "status", withNode(s)));
  }

  private void tick() {
    streams.forEach((res, session) -> {
      if (session.isPresent() && !live.test(session.get())) {
        streams.remove(res);
        end(res);
      }
    });
    if (streams.isEmpty() || ticking) {
      return;
    }
    ticking = true;
    status.get().onComplete(ar -> {
      ticking = false;
      if (ar.succeeded()) {
        broadcast("status", withNode(ar.result()));
      }
    });
  }

  private JsonObject withNode(JsonObject status) {
    return status.put("node", new JsonObject().put("name", node).put("draining", false).put("time", System.currentTimeMillis()));
  }

  private void broadcast(String event, JsonObject data) {
    for (HttpServerResponse res : streams.keySet()) {
      send(res, event, data);
    }
  }

  private static void end(HttpServerResponse res) {
    if (!res.ended() && !res.closed()) {
      res.end();
    }
  }

  private static void send(HttpServerResponse res, String event, JsonObject data) {
    if (res.ended() || res.closed() || res.writeQueueFull()) {
      return; // a page that does not keep up misses an update; the next status replaces it
    }
    res.write("event: " + event + "\ndata: " + data.encode() + "\n\n");
  }
}
