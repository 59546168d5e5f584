package io.switchboard.router;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Carries a backend's answer to the caller: a whole reply at once, or a pulled stream message by message, each
 * stamped with who served and the route explanation. The last word (the whole answer, the stream's end, or the
 * error) waits until the request is accounted for. Owned by the router's event loop.
 */
final class AnswerRelay {

  private final InstanceTracker instances;
  private final RouterState state;
  private final long streamIdleTimeoutMs;
  private final AnswerCache cache;

  /**
   * @param streamIdleTimeoutMs how long either side of a stream may keep the other waiting for its next message
   * @param cache               the answer's CIDs, kept artifacts and cache entry
   */
  AnswerRelay(InstanceTracker instances, RouterState state, long streamIdleTimeoutMs, AnswerCache cache) {
    this.instances = instances;
    this.state = state;
    this.streamIdleTimeoutMs = streamIdleTimeoutMs;
    this.cache = cache;
  }

  /** The backend's first reply to {@code attempt}: a whole answer, or the first message of a stream. */
  void answered(BackendAttempt attempt, Message<Object> reply) {
    RoutedRequest r = attempt.request();
    long now = state.now();
    r.firstAnswer(now);
    attempt.answered(now);
    JsonObject route = r.route().toJson(); // the header's text and the body's field
    DeliveryOptions headers = new DeliveryOptions()
      .addHeader(Headers.BACKEND, attempt.backend())
      .addHeader(Headers.ROUTE, JsonText.string(route));
    Object body = reply.body();
    AnswerOutputs outputs = cache.outputs(r);
    if (BusStreams.isStream(reply)) {
      r.streaming();
      outputs.first(reply.headers());
      if (body instanceof JsonObject json) {
        body = json.put(StreamProtocol.ROUTE, route);
      }
      relay(attempt, r.caller(), reply, body, AnswerCache.headers(r, headers), outputs);
    } else {
      attempt.settle(null);
      JsonObject json = body instanceof JsonObject j ? j : null;
      if (json != null) {
        r.artifacts(outputs.whole(json));
      }
      Future<Void> accounted = r.served(json != null ? json.getJsonObject("usage") : null, reportedSeconds(body));
      if (json != null) {
        outputs.cacheWhole(json); // its cost is known once accounted
        AnswerCache.fields(r, json).put(StreamProtocol.ROUTE, route);
      }
      AnswerCache.headers(r, headers);
      handOver(r, body, headers); // the router is done with it (the cache and the CID took their bytes above)
      Object answer = body;
      accounted.onComplete(v -> r.caller().reply(answer, headers));
    }
  }

  /**
   * A JSON answer goes to a caller that asked for it uncopied ({@link Headers#HAND_OVER}: the web verticle) as the
   * router's own object: the router does not change it once sent.
   */
  private static void handOver(RoutedRequest r, Object body, DeliveryOptions options) {
    if (body instanceof JsonObject && Headers.HAND_OVER_JSON.equals(r.caller().headers().get(Headers.HAND_OVER))) {
      JsonHandOver.options(options);
    }
  }

  /** The audio duration a transcript reports ({@code duration}, seconds), -1 when it has none. */
  private static double reportedSeconds(Object body) {
    return body instanceof JsonObject json && json.getValue("duration") instanceof Number n && n.doubleValue() >= 0
      ? n.doubleValue() : -1;
  }

  /**
   * Forwards one stream message to the caller and, on the caller's credit, pulls the next from the backend. Each
   * hop is a reply, so nothing is registered in the cluster and the slowest side sets the pace. After the first
   * message, any failure (the backend's, or its instance dying) ends the caller's stream with an error.
   */
  private void relay(BackendAttempt attempt, Message<Object> caller, Message<Object> fromBackend, Object body,
                     DeliveryOptions options, AnswerOutputs outputs) {
    RoutedRequest r = attempt.request();
    if (BusStreams.isEnd(fromBackend)) {
      options.addHeader(StreamProtocol.HEADER, StreamProtocol.END);
      attempt.settle(null);
      r.artifacts(outputs.end(body));
      JsonObject json = body instanceof JsonObject j ? j : null;
      Future<Void> accounted = r.served(json != null ? json.getJsonObject(StreamProtocol.USAGE) : null, -1);
      if (json != null) {
        outputs.cacheStream(json); // its cost is known once accounted
        AnswerCache.fields(r, json);
      }
      AnswerCache.headers(r, options);
      handOver(r, body, options);
      accounted.onComplete(v -> caller.reply(body, options));
      return;
    }
    outputs.part(body);
    r.delivered(body);
    options.addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(streamIdleTimeoutMs);
    handOver(r, body, options); // the router only reads it from here on (the output's CID at the end)
    caller.replyAndRequest(body, options).onComplete(credit -> {
      if (credit.failed() || StreamProtocol.isCancel(credit.result().body())) {
        outputs.abort();
        BusStreams.cancel(fromBackend);
        attempt.settle(null);
        r.ended(ErrorCode.CANCELLED);
        return;
      }
      Message<Object> nextCaller = credit.result();
      InstanceTracker.InFlight f = instances.track(attempt.instance(), () -> cut(attempt, nextCaller,
        new MeshException(ErrorCode.UPSTREAM, attempt.backend() + ": instance " + attempt.instance() + " lost mid-stream"), outputs));
      BusStreams.next(fromBackend, streamIdleTimeoutMs).onComplete(next -> {
        if (!f.settle()) {
          return;
        }
        if (next.failed()) {
          cut(attempt, nextCaller, MeshException.from(next.cause()), outputs);
        } else {
          relay(attempt, nextCaller, next.result(), next.result().body(), new DeliveryOptions(), outputs);
        }
      });
    });
  }

  /** The stream failed after content reached the caller: it ends with the error, never as a clean end. */
  private static void cut(BackendAttempt attempt, Message<Object> caller, MeshException e, AnswerOutputs outputs) {
    outputs.abort();
    attempt.settle(e);
    attempt.request().ended(e.errorCode()).onComplete(v -> caller.reply(e));
  }
}
