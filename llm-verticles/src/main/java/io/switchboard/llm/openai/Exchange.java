package io.switchboard.llm.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.TimeUnit;

/**
 * One request to an OpenAI-compatible upstream and the reading of its reply, bounded in time: the connect
 * timeout, the first byte (response headers within {@code first_byte_ms} of the start), the idle gap between
 * reads ({@code idle_ms}, not counted while the reader is paused by back-pressure) and the caller's deadline.
 * Whatever trips first resets the request and reports one {@link MeshException} to whoever listens at that stage.
 *
 * <p>Not thread-safe: start it on the context that will read the reply; the client's callbacks and the timers
 * then all run there.
 */
final class Exchange {

  private final Vertx vertx;
  private final HttpClient client;
  private final OpenAiSettings settings;
  private final CallContext context;
  private HttpClientRequest request;
  private Handler<MeshException> failureHandler;
  private boolean done;
  private boolean paused;
  private long idleLimitNanos;
  private String timeoutReason;
  private long lastActivity;
  private long watchdog = -1;
  private long deadlineTimer = -1;

  Exchange(Vertx vertx, HttpClient client, OpenAiSettings settings, CallContext context) {
    this.vertx = vertx;
    this.client = client;
    this.settings = settings;
    this.context = context;
  }

  /**
   * Sends the request; completes at the response headers with the response paused (the reader resumes it once its
   * handlers are set). Fails with TIMEOUT, UNAVAILABLE or CANCELLED.
   */
  Future<HttpClientResponse> send(HttpMethod method, String path, Buffer body, String accept) {
    if (done) {
      return Future.failedFuture(new MeshException(ErrorCode.CANCELLED, settings.id() + ": cancelled by the caller"));
    }
    Promise<HttpClientResponse> headers = Promise.promise();
    failureHandler = headers::tryFail;
    arm(settings.firstByteMs(), "no response headers within " + settings.firstByteMs() + " ms");
    deadlineTimer = vertx.setTimer(context.remainingMs(),
      t -> fail(new MeshException(ErrorCode.TIMEOUT, settings.id() + ": the request's deadline passed")));
    client.request(options(method, path)).onComplete(ar -> {
      if (ar.failed()) {
        fail(OpenAiErrors.fromTransport(settings.id(), ar.cause()));
        return;
      }
      request = ar.result();
      if (done) {
        request.reset();
        return;
      }
      headers(request, accept, body != null);
      (body == null ? request.send() : request.send(body)).onComplete(sent -> {
        if (sent.failed()) {
          fail(OpenAiErrors.fromTransport(settings.id(), sent.cause()));
        } else if (!done) {
          HttpClientResponse response = sent.result().pause();
          arm(settings.idleMs(), "no data for " + settings.idleMs() + " ms");
          headers.tryComplete(response);
        }
      });
    });
    return headers.future();
  }

  /** Reads a whole (non-streamed) reply, at most {@code maxReplyBytes}; completes the exchange. */
  Future<Buffer> readBody(HttpClientResponse response) {
    Promise<Buffer> whole = Promise.promise();
    failureHandler = whole::tryFail;
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      touch();
      if (body.length() + chunk.length() > settings.maxReplyBytes()) {
        fail(new MeshException(ErrorCode.UPSTREAM, settings.id() + ": upstream reply larger than " + settings.maxReplyBytes() + " bytes"));
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.exceptionHandler(t -> fail(new MeshException(ErrorCode.UPSTREAM, settings.id() + ": connection lost while reading the reply")));
    response.endHandler(v -> {
      if (!done) {
        finish();
        whole.tryComplete(body);
      }
    });
    response.resume();
    return whole.future();
  }

  /** Who hears a timeout or deadline from now on (a stream reader). */
  void onFailure(Handler<MeshException> handler) {
    failureHandler = handler;
  }

  /** A read arrived: the idle clock restarts. */
  void touch() {
    lastActivity = System.nanoTime();
  }

  /** The reader stopped reading on purpose (back-pressure): idle time does not count. */
  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    touch();
    if (!done && watchdog < 0) {
      schedule(idleLimitNanos);
    }
  }

  boolean isDone() {
    return done;
  }

  /** The reply was read whole: stop the clocks, keep the connection for the pool. */
  void finish() {
    done = true;
    stopTimers();
  }

  /** Gives up with {@code error}: resets the request and tells the current listener. */
  void fail(MeshException error) {
    if (done) {
      return;
    }
    done = true;
    stopTimers();
    // The listener hears the real cause first: the reset below makes the response report a closed connection.
    if (failureHandler != null) {
      failureHandler.handle(error);
    }
    if (request != null) {
      request.reset();
    }
  }

  /** The caller went away: reset the upstream request at once. */
  void cancel() {
    fail(new MeshException(ErrorCode.CANCELLED, settings.id() + ": cancelled by the caller"));
  }

  private RequestOptions options(HttpMethod method, String path) {
    return new RequestOptions()
      .setMethod(method)
      .setSsl(settings.ssl())
      .setHost(settings.host())
      .setPort(settings.port())
      .setURI(settings.pathPrefix() + path)
      .setConnectTimeout(settings.connectMs());
  }

  private void headers(HttpClientRequest req, String accept, boolean hasBody) {
    settings.headers().forEach(req::putHeader);
    if (hasBody) {
      req.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    req.putHeader(HttpHeaders.ACCEPT, accept);
    if (settings.apiKey() != null) {
      req.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + settings.apiKey());
    }
    if (context.requestId() != null) {
      req.putHeader("x-request-id", context.requestId());
    }
  }

  // One watchdog timer serves both the first-byte and the idle limit: a read only stamps a time, no timer churn.

  private void arm(long limitMs, String reason) {
    idleLimitNanos = TimeUnit.MILLISECONDS.toNanos(limitMs);
    timeoutReason = reason;
    touch();
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
    }
    schedule(idleLimitNanos);
  }

  private void schedule(long inNanos) {
    watchdog = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(inNanos)), t -> check());
  }

  private void check() {
    watchdog = -1;
    if (done || paused) {
      return;
    }
    long left = lastActivity + idleLimitNanos - System.nanoTime();
    if (left <= 0) {
      fail(new MeshException(ErrorCode.TIMEOUT, settings.id() + ": " + timeoutReason));
    } else {
      schedule(left);
    }
  }

  private void stopTimers() {
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
      watchdog = -1;
    }
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
      deadlineTimer = -1;
    }
  }
}
