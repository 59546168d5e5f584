package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.List;

/**
 * One request to an upstream and the reading of its answer, bounded in time by {@link UpstreamTimeouts} and the
 * caller's deadline ({@link Watchdog}). The body is written as {@link BodyPart}s in slices, each once the connection
 * has taken the one before: a large upload is never joined into one copy, nor handed to the socket whole (Netty
 * copies every heap write into a direct buffer of the same size until it is sent). Whatever trips first (a
 * timeout, the deadline, the caller cancelling, the connection failing) resets the request and reports one
 * {@link MeshException} to whoever listens at that stage: the {@link #send} future, then {@link #readBody} or the
 * handler a stream reader set with {@link #onFailure}.
 *
 * <p>Not thread-safe: start it on the context that reads the answer (see {@link Contexts#onContext}); the client's
 * callbacks and the timers then all run there.
 */
public final class Exchange {

  /** The head of an error body kept for its message; the rest is read and dropped. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  private final HttpClient client;
  private final Upstream upstream;
  private final UpstreamTimeouts timeouts;
  private final long deadlineMs;
  private final Watchdog watchdog;
  private HttpClientRequest request;
  private Handler<MeshException> failureHandler;
  private boolean bodyWritten;
  private boolean done;

  Exchange(Vertx vertx, HttpClient client, Upstream upstream, UpstreamTimeouts timeouts, long deadlineMs) {
    this.client = client;
    this.upstream = upstream;
    this.timeouts = timeouts;
    this.deadlineMs = deadlineMs;
    this.watchdog = new Watchdog(vertx, upstream.id(), this::fail);
  }

  public Upstream upstream() {
    return upstream;
  }

  /** As {@link #send(RequestOptions, List)} with one in-memory body, or none when {@code body} is null. */
  public Future<HttpClientResponse> send(RequestOptions options, Buffer body) {
    return send(options, body == null ? List.of() : List.of(BodyPart.of(body)));
  }

  /**
   * Sends the request; completes at the response headers with the response paused (the reader resumes it once its
   * handlers are set). Fails with TIMEOUT, UNAVAILABLE or CANCELLED. An upstream that answers before it took the
   * whole body (a refusal) gets no more of it.
   */
  public Future<HttpClientResponse> send(RequestOptions options, List<BodyPart> body) {
    if (done) {
      return Future.failedFuture(cancelled());
    }
    Promise<HttpClientResponse> headers = Promise.promise();
    failureHandler = headers::tryFail;
    long now = System.currentTimeMillis();
    long end = timeouts.endOf(now, deadlineMs);
    watchdog.endAt(end, end < deadlineMs ? timeouts.totalMs() : 0);
    watchdog.arm(timeouts.firstByteMs(), "no response headers within");
    options.setConnectTimeout(Math.max(1, Math.min(timeouts.connectMs(), end - now)));
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        fail(upstream.fromTransport(ar.cause()));
        return;
      }
      request = ar.result();
      if (done) {
        request.reset();
        return;
      }
      request.response().onComplete(response -> {
        if (response.failed()) {
          fail(upstream.fromTransport(response.cause()));
        } else if (!done) {
          watchdog.arm(timeouts.idleMs(), "no data for");
          headers.tryComplete(response.result().pause());
        }
      });
      long length = body.stream().mapToLong(BodyPart::length).sum();
      if (request.getMethod() != HttpMethod.GET || length > 0) {
        request.putHeader("content-length", Long.toString(length));
      }
      write(body, 0, 0);
    });
    return headers.future();
  }

  /** Writes from part {@code part}, byte {@code offset} on, pausing whenever the connection's queue is full. */
  private void write(List<BodyPart> body, int part, long offset) {
    int p = part;
    long at = offset;
    while (p < body.size()) {
      if (done) {
        return;
      }
      BodyPart piece = body.get(p);
      if (at >= piece.length()) {
        p++;
        at = 0;
        continue;
      }
      long end = Math.min(piece.length(), at + BodyPart.SLICE);
      Buffer slice = piece.slice(at, end);
      at = end;
      if (at == piece.length() && p == body.size() - 1) {
        bodyWritten = true;
        request.end(slice);
        return;
      }
      request.write(slice);
      if (request.writeQueueFull()) {
        int nextPart = p;
        long nextOffset = at;
        request.drainHandler(v -> write(body, nextPart, nextOffset));
        return;
      }
    }
    if (!done) {
      bodyWritten = true;
      request.end();
    }
  }

  /** Reads a whole answer of at most {@code maxBytes}; completes the exchange. */
  public Future<Buffer> readBody(HttpClientResponse response, long maxBytes) {
    Promise<Buffer> whole = Promise.promise();
    failureHandler = whole::tryFail;
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      touch();
      if (body.length() + chunk.length() > maxBytes) {
        fail(new MeshException(ErrorCode.UPSTREAM, upstream.id() + ": upstream answer larger than " + maxBytes + " bytes"));
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.exceptionHandler(t -> fail(cut(body.length(), t)));
    response.endHandler(v -> {
      if (!done) {
        finish();
        whole.tryComplete(body);
      }
    });
    response.resume();
    return whole.future();
  }

  /** Reads an error answer (its first {@link #MAX_ERROR_BODY} bytes) and maps it; completes the exchange. */
  public Future<MeshException> readError(HttpClientResponse response) {
    Promise<MeshException> mapped = Promise.promise();
    failureHandler = mapped::tryComplete;
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      touch();
      if (body.length() < MAX_ERROR_BODY) {
        body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
      }
    });
    Handler<Void> over = v -> {
      if (!done) {
        finish();
        mapped.tryComplete(upstream.fromStatus(response.statusCode(), response.headers(), body));
      }
    };
    response.exceptionHandler(t -> over.handle(null));
    response.endHandler(over);
    response.resume();
    return mapped.future();
  }

  /** The failure for a body that broke off after {@code bytes}. */
  public MeshException cut(long bytes, Throwable t) {
    return new MeshException(ErrorCode.UPSTREAM,
      upstream.id() + ": upstream answer cut after " + bytes + " bytes (" + t.getClass().getSimpleName() + ")");
  }

  /** Who hears a timeout, the deadline or a cancel from now on (a stream reader). */
  public void onFailure(Handler<MeshException> handler) {
    failureHandler = handler;
  }

  /** A read arrived: the idle clock restarts. */
  public void touch() {
    watchdog.touch();
  }

  /** The reader stopped reading on purpose (back-pressure): idle time does not count. */
  public void pause() {
    watchdog.pause();
  }

  public void resume() {
    watchdog.resume();
  }

  public boolean isDone() {
    return done;
  }

  /** The answer was read whole: stop the clocks, keep the connection for the pool (if the body went out whole). */
  public void finish() {
    if (over() && request != null && !bodyWritten) {
      request.reset();
    }
  }

  /** Gives up with {@code error}: resets the request and tells the current listener. */
  public void fail(MeshException error) {
    if (!over()) {
      return;
    }
    // The listener hears the real cause first: the reset below makes the response report a closed connection.
    if (failureHandler != null) {
      failureHandler.handle(error);
    }
    if (request != null) {
      request.reset();
    }
  }

  /** The caller went away: reset the upstream request at once. */
  public void cancel() {
    fail(cancelled());
  }

  /** Ends the exchange and its clocks; false when it had ended already. */
  private boolean over() {
    boolean was = done;
    done = true;
    watchdog.cancel();
    return !was;
  }

  private MeshException cancelled() {
    return new MeshException(ErrorCode.CANCELLED, upstream.id() + ": cancelled by the caller");
  }
}
