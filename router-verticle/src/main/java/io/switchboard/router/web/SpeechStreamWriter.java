package io.switchboard.router.web;

import io.switchboard.core.stream.BusStreams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes a bus speech stream's audio to the HTTP response as it comes, pulling the next bus message only when the
 * connection can take more. An error after the first byte cuts the response; a client that goes away cancels the bus
 * stream, also while its last message waits for the write queue to drain.
 */
final class SpeechStreamWriter {

  private final HttpServerResponse res;
  private final long idleTimeoutMs;
  private Message<Object> pending;
  private boolean closed;

  SpeechStreamWriter(HttpServerResponse res, long idleTimeoutMs) {
    this.res = res;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  void start(Message<Object> first) {
    res.closeHandler(v -> {
      closed = true;
      if (pending != null) {
        BusStreams.cancel(pending);
        pending = null;
      }
    });
    onMessage(first);
  }

  private void onMessage(Message<Object> msg) {
    if (closed) {
      BusStreams.drop(msg);
      return;
    }
    Object body = msg.body();
    Buffer audio = body instanceof Buffer b ? b
      : body instanceof JsonObject j && j.getValue("audio") != null ? j.getBuffer("audio") : Buffer.buffer();
    if (BusStreams.isEnd(msg)) {
      RouterBus.artifactsTrailer(res, msg);
      res.end(audio);
      return;
    }
    res.write(audio);
    if (res.writeQueueFull()) {
      pending = msg;
      res.drainHandler(v -> {
        if (pending == msg) {
          pull(msg);
        }
      });
    } else {
      pull(msg);
    }
  }

  private void pull(Message<Object> msg) {
    pending = null;
    BusStreams.next(msg, idleTimeoutMs).onComplete(ar -> {
      if (ar.succeeded()) {
        onMessage(ar.result());
      } else if (!closed) {
        // Headers are gone: the only honest signal left is a response that does not end cleanly.
        res.reset();
      }
    });
  }
}
