package io.switchboard.core.testkit.chaos;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one held upstream answer to the client the way its {@link Fault} says: whole, late, in a trickle, broken,
 * cut by a reset, or never finished. Runs on the proxy connection's context.
 */
record FaultyAnswer(Vertx vertx, HttpServerResponse resp, HeldAnswer answer, Fault fault) {

  void send() {
    switch (fault.kind()) {
      case SLOW_FIRST_BYTE -> vertx.setTimer(fault.ms(), t -> {
        if (!resp.closed()) {
          whole(answer);
        }
      });
      case RESET_AFTER_HEADERS -> resetAfter(head().writeHead());
      case RESET_AFTER_FIRST_EVENT -> resetAfter(head().write(answer.pieces().get(0)));
      case RESET_MID_BODY -> resetAfter(head().write(answer.firstHalf()));
      case TRICKLE -> {
        head();
        trickle(0);
      }
      case MALFORMED_JSON -> whole(answer.malformed());
      case WRONG_CONTENT_TYPE -> ChaosProxy.gatewayPage(resp.putHeader("x-captive-portal", "1"), 200);
      case WITHOUT_LAST_EVENT -> whole(answer.withoutLastEvent());
      case NEVER_ENDS -> {
        head().write(answer.withoutEnd());
        keepAlive();
      }
      default -> whole(answer);
    }
  }

  private void whole(HeldAnswer a) {
    resp.setStatusCode(a.status());
    resp.headers().addAll(a.headers());
    resp.end(a.body());
  }

  /** The status line and headers of a chunked answer (the length the upstream gave would no longer hold). */
  private HttpServerResponse head() {
    resp.setStatusCode(answer.status()).setChunked(true);
    resp.headers().addAll(answer.headers());
    return resp;
  }

  private void resetAfter(Future<Void> written) {
    written.onComplete(v -> vertx.setTimer(ChaosProxy.RESET_AFTER_WRITE_MS, t -> resp.reset()));
  }

  private void trickle(int from) {
    Buffer body = answer.body();
    if (resp.closed()) {
      return;
    }
    if (from >= body.length()) {
      resp.end();
      return;
    }
    int to = Math.min(body.length(), from + fault.bytes());
    resp.write(body.getBuffer(from, to));
    vertx.setTimer(fault.ms(), t -> trickle(to));
  }

  private void keepAlive() {
    vertx.setTimer(fault.ms(), t -> {
      if (!resp.closed()) {
        resp.write(answer.keepAlive());
        keepAlive();
      }
    });
  }
}
