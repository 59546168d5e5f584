package io.switchboard.router.web;

import io.switchboard.core.stream.BusStreams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes a bus speech stream's audio to the HTTP response as it comes, at the pace the connection takes it
 * ({@link ResponsePacer}: a client that goes away cancels the bus stream). An error after the first byte cuts the
 * response.
 */
final class SpeechStreamWriter {

  private final HttpServerResponse res;
  private final ResponsePacer pacer;

  SpeechStreamWriter(HttpServerResponse res, long idleTimeoutMs) {
    this.res = res;
    // Headers are gone when a pull fails: the only honest signal left is a response that does not end cleanly.
    this.pacer = new ResponsePacer(res, idleTimeoutMs, this::onMessage, failure -> res.reset());
  }

  void start(Message<Object> first) {
    pacer.start(first);
  }

  private void onMessage(Message<Object> msg) {
    Object body = msg.body();
    Buffer audio = body instanceof Buffer b ? b
      : body instanceof JsonObject j && j.getValue("audio") != null ? j.getBuffer("audio") : Buffer.buffer();
    if (BusStreams.isEnd(msg)) {
      RouterBus.artifactsTrailer(res, msg);
      res.end(audio);
      return;
    }
    res.write(audio);
    pacer.written(msg);
  }
}
