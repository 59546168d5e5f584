package io.switchboard.router.web;

import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;

/**
 * Pulls a bus stream at the pace of an HTTP response: the next message is asked for only once the response can take
 * more. A client that goes away stops the stream wherever it is: a message waiting for the write queue to drain is
 * cancelled at once, and one that arrives from a pull in flight is dropped. The stream writers ({@link ChatStreamWriter},
 * {@link SpeechStreamWriter}) say how a message is written and how a failed pull ends the response.
 */
final class ResponsePacer {

  private final HttpServerResponse response;
  private final long idleTimeoutMs;
  private final Handler<Message<Object>> write;
  private final Handler<Throwable> fail;
  private Message<Object> pending;
  private boolean closed;

  /**
   * @param idleTimeoutMs how long a pull may wait for the next message
   * @param write         writes one message: the stream's end ends the response, any other calls {@link #written} after
   * @param fail          ends the response after a failed pull; not called once the client is gone
   */
  ResponsePacer(HttpServerResponse response, long idleTimeoutMs, Handler<Message<Object>> write, Handler<Throwable> fail) {
    this.response = response;
    this.idleTimeoutMs = idleTimeoutMs;
    this.write = write;
    this.fail = fail;
  }

  /** Watches for the client going away, then writes {@code first}. */
  void start(Message<Object> first) {
    response.closeHandler(v -> {
      closed = true;
      if (pending != null) {
        BusStreams.cancel(pending);
        pending = null;
      }
    });
    deliver(first);
  }

  /** {@code msg} is written: pulls the next message now, or once the response's write queue has drained. */
  void written(Message<Object> msg) {
    if (response.writeQueueFull()) {
      pending = msg;
      response.drainHandler(v -> {
        if (pending == msg) {
          pull(msg);
        }
      });
    } else {
      pull(msg);
    }
  }

  private void deliver(Message<Object> msg) {
    if (closed) {
      BusStreams.drop(msg);
      return;
    }
    write.handle(msg);
  }

  private void pull(Message<Object> msg) {
    pending = null;
    BusStreams.next(msg, idleTimeoutMs).onComplete(ar -> {
      if (ar.succeeded()) {
        deliver(ar.result());
      } else if (!closed) {
        fail.handle(ar.cause());
      }
    });
  }
}
