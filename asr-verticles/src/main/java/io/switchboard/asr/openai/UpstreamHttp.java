package io.switchboard.asr.openai;

import io.switchboard.core.http.CloudTimeouts;
import io.switchboard.core.http.Watchdog;
import io.switchboard.core.http.CloudErrors;
import io.switchboard.core.http.Contexts;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One request/response exchange with a cloud API whose answer is a bounded document (a transcript, a job status).
 * The body is written as the given parts in order, in slices of at most {@link BodyPart#SLICE} bytes, each written
 * once the connection has taken the one before: a large upload is never joined into one copy, and never handed to
 * the socket whole either (Netty copies every heap write into a direct buffer of the same size until it is sent,
 * which for a 25 MB file would be a second 25 MB). The call
 * is bounded by the connect timeout, the first-byte timeout, the idle timeout between reads and the call's
 * deadline; each ends as {@link ErrorCode#TIMEOUT}, a refused connection as {@link ErrorCode#UNAVAILABLE}, a body
 * cut before its end as {@link ErrorCode#UPSTREAM}. A non-2xx status is returned, not failed: the adapter knows
 * its API's error body.
 */
public final class UpstreamHttp {

  /** A complete upstream answer. */
  public record Reply(int status, MultiMap headers, Buffer body) {

    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** The body as a JSON object; anything else is an {@link ErrorCode#UPSTREAM} failure. */
    public JsonObject json(String id) {
      try {
        if (body.toJsonValue() instanceof JsonObject o) {
          return o;
        }
      } catch (RuntimeException ignored) {
        // reported below
      }
      throw new MeshException(ErrorCode.UPSTREAM, id + ": upstream answered " + status + " with a body that is not a JSON object");
    }
  }

  private final Vertx vertx;
  private final String id;
  private final CloudTimeouts timeouts;
  private final long maxResponseBytes;
  private final HttpClientAgent client;

  /** {@code maxConnections}: HTTP/1.1 connections to the upstream at once (Vert.x's default of 5 would queue requests). */
  public UpstreamHttp(Vertx vertx, String id, CloudTimeouts timeouts, long maxResponseBytes, int maxConnections) {
    this.vertx = vertx;
    this.id = id;
    this.timeouts = timeouts;
    this.maxResponseBytes = maxResponseBytes;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeouts.connectMs())),
      new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  public CloudTimeouts timeouts() {
    return timeouts;
  }

  public Future<Reply> send(HttpMethod method, String url, MultiMap headers, List<BodyPart> body, CallContext ctx) {
    return send(method, url, headers, body, ctx, timeouts);
  }

  /** As {@link #send(HttpMethod, String, MultiMap, List, CallContext)} with this call's own timeouts. */
  public Future<Reply> send(HttpMethod method, String url, MultiMap headers, List<BodyPart> body, CallContext ctx, CloudTimeouts t) {
    Promise<Reply> result = Promise.promise();
    Contexts.onContext(vertx, () -> {
      RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url)
        .setConnectTimeout(Math.min(t.connectMs(), ctx.remainingMs())).setHeaders(headers);
      client.request(options).onComplete(ar -> {
        if (ar.failed()) {
          result.tryFail(CloudErrors.transport(id, ar.cause()));
        } else {
          exchange(ar.result(), body, ctx, t, result);
        }
      });
    });
    return result.future();
  }

  private void exchange(HttpClientRequest request, List<BodyPart> body, CallContext ctx, CloudTimeouts t, Promise<Reply> result) {
    Watchdog watchdog = new Watchdog(vertx, id, ctx.deadlineMs(), timeout -> {
      result.tryFail(timeout);
      request.reset();
    });
    result.future().onComplete(ar -> watchdog.cancel());
    long length = body.stream().mapToLong(BodyPart::length).sum();
    if (request.getMethod() != HttpMethod.GET || length > 0) {
      request.putHeader("content-length", Long.toString(length));
    }
    request.response().onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(CloudErrors.transport(id, ar.cause()));
      } else {
        read(ar.result(), watchdog, t, result);
      }
    });
    watchdog.arm(t.firstByteMs(), "first byte");
    write(request, body, 0, 0, result.future());
  }

  /**
   * Writes from part {@code part}, byte {@code offset} on, pausing whenever the connection's queue is full. An
   * upstream that answers before the body is all sent (a refusal) gets the rest of it no more: the request is reset.
   */
  private void write(HttpClientRequest request, List<BodyPart> body, int part, long offset, Future<Reply> over) {
    int p = part;
    long at = offset;
    while (p < body.size()) {
      if (over.isComplete()) {
        request.reset();
        return;
      }
      BodyPart piece = body.get(p);
      if (at >= piece.length()) {
        p++;
        at = 0;
        continue;
      }
      long end = Math.min(piece.length(), at + BodyPart.SLICE);
      request.write(piece.slice(at, end));
      at = end;
      if (request.writeQueueFull()) {
        int nextPart = p;
        long nextOffset = at;
        request.drainHandler(v -> write(request, body, nextPart, nextOffset, over));
        return;
      }
    }
    request.end();
  }

  private void read(HttpClientResponse response, Watchdog watchdog, CloudTimeouts t, Promise<Reply> result) {
    Buffer body = Buffer.buffer();
    watchdog.arm(t.idleMs(), "data");
    response.handler(chunk -> {
      watchdog.arm(t.idleMs(), "data");
      if (body.length() + chunk.length() > maxResponseBytes) {
        result.tryFail(new MeshException(ErrorCode.UPSTREAM, id + ": upstream response exceeds " + maxResponseBytes + " bytes"));
        response.request().reset();
        return;
      }
      body.appendBuffer(chunk);
    });
    response.exceptionHandler(err -> result.tryFail(
      new MeshException(ErrorCode.UPSTREAM, id + ": upstream response cut after " + body.length() + " bytes (" + err.getClass().getSimpleName() + ")")));
    response.endHandler(v -> result.tryComplete(new Reply(response.statusCode(), response.headers(), body)));
  }

  public Future<Void> close() {
    return client.close();
  }
}
