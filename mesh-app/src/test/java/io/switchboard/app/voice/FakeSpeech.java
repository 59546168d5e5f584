package io.switchboard.app.voice;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI speech server ({@code POST /v1/audio/speech}) for the call tests, in the real wire format: a
 * bearer key, a JSON body, and a chunked 200 of raw 16-bit PCM at 24 kHz (what OpenAI's {@code pcm} is): a 300 Hz
 * tone of 60 ms per character of input, in 100 ms chunks every {@code chunkMs}. It can answer an OpenAI error body
 * instead, or cut the stream after some chunks. Records the request bodies and counts streams the client closed
 * before their end.
 */
final class FakeSpeech {

  private final Vertx vertx;
  private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger cancelled = new AtomicInteger();
  private volatile int status = 200;
  private volatile int cutAfterChunks = -1;
  private volatile long chunkMs = 20;
  private HttpServer server;

  private FakeSpeech(Vertx vertx) {
    this.vertx = vertx;
  }

  static Future<FakeSpeech> start(Vertx vertx) {
    FakeSpeech fake = new FakeSpeech(vertx);
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(fake::handle).listen()
      .map(s -> {
        fake.server = s;
        return fake;
      });
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  /** Every request from now on fails with {@code code} (200: answers again). */
  FakeSpeech status(int code) {
    this.status = code;
    return this;
  }

  FakeSpeech cutAfter(int chunks) {
    this.cutAfterChunks = chunks;
    return this;
  }

  FakeSpeech chunkEvery(long ms) {
    this.chunkMs = ms;
    return this;
  }

  List<JsonObject> requests() {
    return requests;
  }

  int cancelled() {
    return cancelled.get();
  }

  private void handle(HttpServerRequest req) {
    if (!req.path().endsWith("/audio/speech")) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.body().onSuccess(raw -> {
      JsonObject body = raw.toJsonObject();
      requests.add(body);
      HttpServerResponse res = req.response();
      if (status != 200) {
        res.setStatusCode(status).putHeader("content-type", "application/json").end(new JsonObject().put("error",
          new JsonObject().put("message", "scripted failure").put("type", "server_error").put("param", (String) null)
            .put("code", (String) null)).encode());
        return;
      }
      int samples = body.getString("input", "").length() * 24_000 * 60 / 1000;
      res.setChunked(true).putHeader("content-type", "audio/pcm").writeHead();
      boolean[] finished = {false};
      res.closeHandler(v -> {
        if (!finished[0]) {
          cancelled.incrementAndGet();
        }
      });
      chunk(res, 0, samples, 0, finished);
    });
  }

  private void chunk(HttpServerResponse res, int from, int total, int n, boolean[] finished) {
    if (res.closed()) {
      return;
    }
    if (cutAfterChunks >= 0 && n == cutAfterChunks) {
      finished[0] = true;
      res.reset();
      return;
    }
    int to = Math.min(total, from + 2400);
    Buffer pcm = Buffer.buffer();
    for (int i = from; i < to; i++) {
      pcm.appendShortLE((short) (8000 * Math.sin(2 * Math.PI * 300 * i / 24_000.0)));
    }
    if (to >= total) {
      finished[0] = true;
      res.end(pcm);
      return;
    }
    res.write(pcm);
    vertx.setTimer(Math.max(1, chunkMs), t -> chunk(res, to, total, n + 1, finished));
  }
}
