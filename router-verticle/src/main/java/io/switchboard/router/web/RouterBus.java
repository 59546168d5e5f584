package io.switchboard.router.web;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonText;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.RouteInfo;
import io.vertx.core.buffer.Buffer;
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

  /** Says, on a streamed answer, that the artifacts' CIDs come as a trailer (the output's is known at its end). */
  static final String TRAILER = "trailer";

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
    String cacheControl = ctx.request().getHeader(Headers.CACHE_CONTROL);
    if (cacheControl != null) {
      o.addHeader(Headers.CACHE_CONTROL, cacheControl);
    }
    return o;
  }

  /**
   * {@link #options} for a request whose whole answer this edge writes as a JSON body: a cached one comes as its bytes
   * ({@link Headers#REPLY_FORM}), read by {@link #jsonBody} or {@link #json}.
   */
  static DeliveryOptions wholeAsBytes(RoutingContext ctx) {
    return options(ctx).addHeader(Headers.REPLY_FORM, Headers.REPLY_BYTES);
  }

  /** A whole answer's HTTP body: a cached answer's bytes as they are, or the router's JSON object without the mesh's fields. */
  static Buffer jsonBody(Object body) {
    return body instanceof Buffer bytes ? bytes : JsonText.bytes(withoutMeshFields((JsonObject) body));
  }

  /** A whole answer as a JSON object to read from (a transcript to render): a cached answer's bytes decoded. */
  static JsonObject json(Object body) {
    return body instanceof Buffer bytes ? new JsonObject(bytes) : (JsonObject) body;
  }

  /**
   * {@code x-switchboard-backend}, {@code x-switchboard-cache} and {@code x-switchboard-artifacts} as they are, and
   * {@code x-switchboard-route} in its one-line form: read from the body's {@code switchboard} field when the body is a
   * JSON object that has it (the router puts the same route in both), else parsed from the bus header's JSON text.
   */
  static void routeHeaders(HttpServerResponse res, Message<?> reply) {
    for (String name : new String[]{Headers.BACKEND, Headers.CACHE, Headers.ARTIFACTS}) {
      String value = reply.headers().get(name);
      if (value != null) {
        res.putHeader(name, value);
      }
    }
    String route = reply.headers().get(Headers.ROUTE);
    if (route != null) {
      try {
        JsonObject json = reply.body() instanceof JsonObject body && body.getValue(StreamProtocol.ROUTE) instanceof JsonObject inBody
          ? inBody : new JsonObject(route);
        res.putHeader(Headers.ROUTE, RouteInfo.fromJson(json).toHeader());
      } catch (RuntimeException ignored) {
        // a route header that is not ours is not echoed
      }
    }
  }

  /** The mesh's own fields of a JSON answer from the router (route, cache status, artifacts): not part of the OpenAI body. */
  static JsonObject withoutMeshFields(JsonObject body) {
    body.remove(StreamProtocol.ROUTE);
    body.remove(CacheStatus.FIELD);
    body.remove(ArtifactRefs.FIELD);
    return body;
  }

  /** A stream's end message's {@code x-switchboard-artifacts} as an HTTP trailer (announced when the stream began). */
  static void artifactsTrailer(HttpServerResponse res, Message<?> end) {
    String artifacts = end.headers().get(Headers.ARTIFACTS);
    if (artifacts != null && res.isChunked()) {
      res.putTrailer(Headers.ARTIFACTS, artifacts);
    }
  }
}
