package io.switchboard.router.web;

import io.switchboard.api.Headers;
import io.switchboard.api.RouteInfo;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP edge's hop to the router: the delivery options every request to an entry point carries, and the route
 * headers copied from the router's reply onto the HTTP response.
 */
final class RouterBus {

  private RouterBus() {
  }

  /**
   * Local only (every router node runs its own router verticle: no cluster hop for the entry point), no send timeout
   * of the bus's own (the router holds the deadline), and the request's id, key id and key privacy ceiling.
   */
  static DeliveryOptions options(RoutingContext ctx) {
    DeliveryOptions o = new DeliveryOptions().setLocalOnly(true).setSendTimeout(24 * 3600_000L)
      .addHeader(Headers.REQUEST_ID, ctx.<String>get(Headers.REQUEST_ID));
    String keyId = ctx.get(Headers.KEY_ID);
    if (keyId != null) {
      o.addHeader(Headers.KEY_ID, keyId);
    }
    String ceiling = ctx.get(Headers.KEY_PRIVACY);
    if (ceiling != null) {
      o.addHeader(Headers.KEY_PRIVACY, ceiling);
    }
    return o;
  }

  /** {@code x-switchboard-backend} as is, and {@code x-switchboard-route} in its one-line form. */
  static void routeHeaders(HttpServerResponse res, Message<?> reply) {
    String backend = reply.headers().get(Headers.BACKEND);
    if (backend != null) {
      res.putHeader(Headers.BACKEND, backend);
    }
    String route = reply.headers().get(Headers.ROUTE);
    if (route != null) {
      try {
        res.putHeader(Headers.ROUTE, RouteInfo.fromJson(new JsonObject(route)).toHeader());
      } catch (RuntimeException ignored) {
        // a route header that is not ours is not echoed
      }
    }
  }
}
