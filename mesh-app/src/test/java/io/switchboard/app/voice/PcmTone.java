package io.switchboard.app.voice;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * How the test kit's fake speech API answers in the call tests, as OpenAI's {@code POST /v1/audio/speech} with
 * {@code response_format: pcm} does: a chunked 200 of raw 16-bit little-endian PCM at 24 kHz, here a 300 Hz tone of
 * 60 ms per character of {@code input}, in 100 ms chunks every {@code chunkMs}; optionally cut (connection reset)
 * after some chunks. Counts the streams the client closed before their end: a cancel that reached the upstream.
 */
final class PcmTone implements Consumer<RoutingContext> {

  /** OpenAI's error body for a failing speech request. */
  static final String ERROR = "{\"error\":{\"message\":\"scripted failure\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";

  private final Vertx vertx;
  private final long chunkMs;
  private final int cutAfterChunks;
  private final AtomicInteger cancelled = new AtomicInteger();

  /** @param cutAfterChunks -1: the whole answer */
  PcmTone(Vertx vertx, long chunkMs, int cutAfterChunks) {
    this.vertx = vertx;
    this.chunkMs = chunkMs;
    this.cutAfterChunks = cutAfterChunks;
  }

  int cancelled() {
    return cancelled.get();
  }

  @Override
  public void accept(RoutingContext ctx) {
    int samples = ctx.body().asJsonObject().getString("input", "").length() * 24_000 * 60 / 1000;
    HttpServerResponse res = ctx.response().setChunked(true).putHeader("content-type", "audio/pcm");
    res.writeHead();
    boolean[] finished = {false};
    res.closeHandler(v -> {
      if (!finished[0]) {
        cancelled.incrementAndGet();
      }
    });
    chunk(res, 0, samples, 0, finished);
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
