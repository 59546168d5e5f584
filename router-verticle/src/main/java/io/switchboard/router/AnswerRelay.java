package io.switchboard.router;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
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

  /** @param streamIdleTimeoutMs how long either side of a stream may keep the other waiting for its next message */
  AnswerRelay(InstanceTracker instances, RouterState state, long streamIdleTimeoutMs) {
    this.instances = instances;
    this.state = state;
    this.streamIdleTimeoutMs = streamIdleTimeoutMs;
  }

  /** The backend's first reply to {@code attempt}: a whole answer, or the first message of a stream. */
  void answered(BackendAttempt attempt, Message<Object> reply) {
    RoutedRequest r = attempt.request();
    long now = state.now();
    r.firstAnswer(now);
    attempt.answered(now);
    RouteInfo route = r.route();
    DeliveryOptions headers = new DeliveryOptions()
      .addHeader(Headers.BACKEND, attempt.backend())
      .addHeader(Headers.ROUTE, route.toJson().encode());
    Object body = reply.body();
    if (body instanceof JsonObject json) {
      body = json.put(StreamProtocol.ROUTE, route.toJson());
    }
    if (BusStreams.isStream(reply)) {
      r.streaming();
      relay(attempt, r.caller(), reply, body, headers);
    } else {
      attempt.settle(null);
      Object answer = body;
      r.served(body instanceof JsonObject json ? json.getJsonObject("usage") : null, reportedSeconds(body))
        .onComplete(v -> r.caller().reply(answer, headers));
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
                     DeliveryOptions options) {
    RoutedRequest r = attempt.request();
    if (BusStreams.isEnd(fromBackend)) {
      options.addHeader(StreamProtocol.HEADER, StreamProtocol.END);
      attempt.settle(null);
      r.served(body instanceof JsonObject json ? json.getJsonObject(StreamProtocol.USAGE) : null, -1)
        .onComplete(v -> caller.reply(body, options));
      return;
    }
    options.addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(streamIdleTimeoutMs);
    caller.replyAndRequest(body, options).onComplete(credit -> {
      if (credit.failed() || StreamProtocol.isCancel(credit.result().body())) {
        BusStreams.cancel(fromBackend);
        attempt.settle(null);
        r.ended(ErrorCode.CANCELLED);
        return;
      }
      Message<Object> nextCaller = credit.result();
      InstanceTracker.InFlight f = instances.track(attempt.instance(), () -> cut(attempt, nextCaller,
        new MeshException(ErrorCode.UPSTREAM, attempt.backend() + ": instance " + attempt.instance() + " lost mid-stream")));
      BusStreams.next(fromBackend, streamIdleTimeoutMs).onComplete(next -> {
        if (!f.settle()) {
          return;
        }
        if (next.failed()) {
          cut(attempt, nextCaller, MeshException.from(next.cause()));
        } else {
          relay(attempt, nextCaller, next.result(), next.result().body(), new DeliveryOptions());
        }
      });
    });
  }

  /** The stream failed after content reached the caller: it ends with the error, never as a clean end. */
  private static void cut(BackendAttempt attempt, Message<Object> caller, MeshException e) {
    attempt.settle(e);
    attempt.request().ended(e.errorCode()).onComplete(v -> caller.reply(e));
  }
}
