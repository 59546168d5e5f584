package io.switchboard.core.http;

import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * Reads a streamed answer (SSE chat, audio) read by read into whatever the adapter makes of it, with the pipe it
 * feeds setting the pace: when the pipe is full the response is paused (TCP pushes back to the upstream) and the
 * exchange's idle clock stops, a slow caller is not a slow upstream; once the caller drains the pipe reading goes on.
 * The adapter decides what the end of the body means ({@code onEnd}: a clean end or a stream cut short) and what
 * a broken connection means ({@code onCut}); the exchange's timeouts and a cancel reach it through
 * {@link Exchange#onFailure}.
 */
public final class ResponseRelay {

  private final Exchange exchange;
  private final HttpClientResponse response;
  private final ChunkPipe<?> pipe;
  private boolean paused;

  private ResponseRelay(Exchange exchange, HttpClientResponse response, ChunkPipe<?> pipe) {
    this.exchange = exchange;
    this.response = response;
    this.pipe = pipe;
  }

  /**
   * Takes over {@code response} (paused, as {@link Exchange#send} gives it): each read goes to {@code onRead} until
   * the exchange is over.
   */
  public static void start(Exchange exchange, HttpClientResponse response, ChunkPipe<?> pipe, Handler<Buffer> onRead,
                           Runnable onEnd, Handler<Throwable> onCut) {
    new ResponseRelay(exchange, response, pipe).run(onRead, onEnd, onCut);
  }

  private void run(Handler<Buffer> onRead, Runnable onEnd, Handler<Throwable> onCut) {
    response.handler(buffer -> {
      if (exchange.isDone()) {
        return;
      }
      exchange.touch();
      onRead.handle(buffer);
      if (!exchange.isDone() && !paused && pipe.writeQueueFull()) {
        pause();
      }
    });
    response.exceptionHandler(t -> {
      if (!exchange.isDone()) {
        onCut.handle(t);
      }
    });
    response.endHandler(v -> {
      if (!exchange.isDone()) {
        onEnd.run();
      }
    });
    response.resume();
  }

  /** The caller is slower than the upstream: stop reading until the pipe drains. */
  private void pause() {
    paused = true;
    response.pause();
    exchange.pause();
    pipe.drainHandler(() -> {
      paused = false;
      if (!exchange.isDone()) {
        exchange.resume();
        response.resume();
      }
    });
  }
}
