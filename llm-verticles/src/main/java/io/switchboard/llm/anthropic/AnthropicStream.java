package io.switchboard.llm.anthropic;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.SseParser;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One streamed Messages call, from the request to the end of the pipe. It parses the SSE body as it arrives, hands
 * each event to a {@link StreamTranslator} and writes the resulting chunks to the pipe; pauses the upstream response
 * while the pipe is full; resets the upstream request when the caller cancels or a timeout fires (no response
 * headers within {@code first_byte_ms}, no read within {@code idle_ms}, or the request deadline). Only
 * {@code message_stop} ends the pipe cleanly: a body that ends or breaks before it fails the pipe.
 *
 * <p>Everything runs on the context that called {@link #start()}; no locking is needed.
 */
final class AnthropicStream {

  private static final System.Logger LOG = System.getLogger(AnthropicStream.class.getName());

  private final Vertx vertx;
  private final HttpClient client;
  private final RequestOptions options;
  private final Buffer body;
  private final StreamTranslator translator;
  private final AnthropicSettings settings;
  private final long deadlineMs;
  private final ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
  private final SseParser parser = new SseParser(this::onEvent);
  private HttpClientRequest request;
  private HttpClientResponse response;
  private boolean done;
  private boolean paused;
  private boolean over;
  private long lastReadAt;
  private long firstByteTimer = -1;
  private long idleTimer = -1;
  private long deadlineTimer = -1;

  AnthropicStream(Vertx vertx, HttpClient client, RequestOptions options, Buffer body, StreamTranslator translator,
                  AnthropicSettings settings, long deadlineMs) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.body = body;
    this.translator = translator;
    this.settings = settings;
    this.deadlineMs = deadlineMs;
  }

  ChunkPipe<JsonObject> start() {
    pipe.cancelHandler(this::cancelled);
    long remaining = Math.max(1, deadlineMs - System.currentTimeMillis());
    deadlineTimer = vertx.setTimer(remaining, t -> fail(new MeshException(ErrorCode.TIMEOUT,
      "anthropic stream not finished before the request deadline (" + remaining + " ms)")));
    firstByteTimer = vertx.setTimer(settings.firstByteMs(), t -> fail(new MeshException(ErrorCode.TIMEOUT,
      "anthropic sent no response within " + settings.firstByteMs() + " ms")));
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        fail(AnthropicErrors.fromTransport(ar.cause(), settings.apiKey()));
      } else if (done) {
        ar.result().reset();
      } else {
        request = ar.result();
        request.send(body).onComplete(this::onResponse);
      }
    });
    return pipe;
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    vertx.cancelTimer(firstByteTimer);
    if (done) {
      return;
    }
    if (ar.failed()) {
      fail(AnthropicErrors.fromTransport(ar.cause(), settings.apiKey()));
      return;
    }
    response = ar.result();
    if (response.statusCode() != 200) {
      String retryAfter = response.getHeader("retry-after");
      int status = response.statusCode();
      response.body().onComplete(b -> {
        over = b.succeeded(); // the exchange is complete: the connection can go back to the pool
        fail(b.succeeded()
          ? AnthropicErrors.fromResponse(status, retryAfter, b.result(), settings.apiKey())
          : AnthropicErrors.classify(status, null, null, AnthropicErrors.retryAfterMs(retryAfter), settings.apiKey()));
      });
      return;
    }
    LOG.log(System.Logger.Level.DEBUG, "anthropic stream started, request-id {0}", response.getHeader("request-id"));
    lastReadAt = System.currentTimeMillis();
    armIdleTimer(settings.idleMs());
    response.exceptionHandler(t -> fail(AnthropicErrors.fromTransport(t, settings.apiKey())));
    response.handler(this::onRead);
    response.endHandler(v -> onEnd());
  }

  private void onRead(Buffer buffer) {
    lastReadAt = System.currentTimeMillis();
    if (!done) {
      parser.feed(buffer);
    }
  }

  private void onEvent(SseParser.Event event) {
    if (done) {
      return;
    }
    List<JsonObject> chunks;
    try {
      chunks = translator.onEvent(event);
    } catch (MeshException e) {
      fail(e);
      return;
    }
    chunks.forEach(pipe::write);
    if (translator.stopped()) {
      finish();
    } else if (pipe.writeQueueFull() && !paused) {
      pause();
    }
  }

  /** The caller is slower than Anthropic: stop reading (TCP pushes back upstream) until the pipe drains. */
  private void pause() {
    paused = true;
    response.pause();
    pipe.drainHandler(() -> {
      paused = false;
      lastReadAt = System.currentTimeMillis();
      if (!done) {
        response.resume();
      }
    });
  }

  private void onEnd() {
    if (!done) {
      fail(new MeshException(ErrorCode.UPSTREAM, translator.started()
        ? "anthropic stream ended before message_stop"
        : "anthropic stream ended before message_start"));
    }
  }

  /** One timer per idle period, re-armed for what is left rather than reset on every read. */
  private void armIdleTimer(long delay) {
    idleTimer = vertx.setTimer(Math.max(1, delay), t -> {
      if (done) {
        return;
      }
      long silent = System.currentTimeMillis() - lastReadAt;
      if (paused || silent < settings.idleMs()) {
        armIdleTimer(paused ? settings.idleMs() : settings.idleMs() - silent);
      } else {
        fail(new MeshException(ErrorCode.TIMEOUT, "anthropic stream idle for " + settings.idleMs() + " ms"));
      }
    });
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    cancelTimers();
    pipe.end(new JsonObject().put("usage", translator.usage().toJson()));
  }

  private void fail(MeshException error) {
    if (done) {
      return;
    }
    done = true;
    cancelTimers();
    LOG.log(System.Logger.Level.DEBUG, "anthropic stream failed: {0}", error.getMessage());
    pipe.fail(error);
    resetUpstream();
  }

  private void cancelled() {
    if (done) {
      return;
    }
    done = true;
    cancelTimers();
    resetUpstream();
  }

  private void resetUpstream() {
    if (request != null && !over) {
      request.reset();
    }
  }

  private void cancelTimers() {
    vertx.cancelTimer(firstByteTimer);
    vertx.cancelTimer(idleTimer);
    vertx.cancelTimer(deadlineTimer);
  }
}
