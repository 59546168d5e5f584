package io.switchboard.core.http;

import io.switchboard.api.MeshException;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * The upstream kit's entry point for one cloud backend: a keep-alive HTTP/1.1 connection pool to its upstream,
 * the backend's {@link Upstream} (id, error dialect, key) and its {@link UpstreamTimeouts}. It makes whole bounded
 * calls ({@link #call}) and starts streamed ones ({@link #stream}), one {@link Exchange} each.
 */
public final class UpstreamClient {

  private final Vertx vertx;
  private final Upstream upstream;
  private final UpstreamTimeouts timeouts;
  private final long maxAnswerBytes;
  private final HttpClientAgent client;

  /**
   * {@code maxConnections}: HTTP/1.1 connections to the upstream at once (Vert.x's default of 5 would queue
   * concurrent calls behind each other); {@code maxAnswerBytes}: a whole answer larger than this is refused.
   */
  public UpstreamClient(Vertx vertx, Upstream upstream, UpstreamTimeouts timeouts, int maxConnections, long maxAnswerBytes) {
    this.vertx = vertx;
    this.upstream = upstream;
    this.timeouts = timeouts;
    this.maxAnswerBytes = maxAnswerBytes;
    this.client = vertx.createHttpClient(
      new HttpClientOptions()
        .setName("switchboard-" + upstream.id())
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        // Below the idle cut of common proxies, so a pooled connection is rarely reused just as the far end drops it.
        .setKeepAliveTimeout(30)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeouts.connectMs())),
      new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  public Upstream upstream() {
    return upstream;
  }

  public UpstreamTimeouts timeouts() {
    return timeouts;
  }

  /** Runs {@code work} on the caller's context, or on one made for it: where an exchange must start. */
  public void onContext(Runnable work) {
    Contexts.onContext(vertx, work);
  }

  /** A new exchange bounded by this client's timeouts and {@code deadlineMs}; use it on one context. */
  public Exchange exchange(long deadlineMs) {
    return exchange(deadlineMs, timeouts);
  }

  /** A new exchange bounded by {@code t} (one call's own timeouts) and {@code deadlineMs}. */
  public Exchange exchange(long deadlineMs, UpstreamTimeouts t) {
    return new Exchange(vertx, client, upstream, t, deadlineMs);
  }

  /** One whole call with this client's timeouts: the answer whatever its status (the adapter knows its errors). */
  public Future<UpstreamReply> call(RequestOptions options, List<BodyPart> body, long deadlineMs) {
    return call(options, body, deadlineMs, timeouts);
  }

  /**
   * One whole call, started on the caller's context (or one made for it), bounded by {@code t} and
   * {@code deadlineMs}: the complete answer, at most the client's size limit, whatever its status. Fails with the
   * mesh error for a timeout, a refused or broken connection, or an answer cut short.
   */
  public Future<UpstreamReply> call(RequestOptions options, List<BodyPart> body, long deadlineMs, UpstreamTimeouts t) {
    Promise<UpstreamReply> result = Promise.promise();
    onContext(() -> {
      Exchange ex = exchange(deadlineMs, t);
      ex.send(options, body)
        .compose(response -> ex.readBody(response, maxAnswerBytes)
          .map(b -> new UpstreamReply(response.statusCode(), response.headers(), b)))
        .onComplete(result);
    });
    return result.future();
  }

  /**
   * Starts a streamed call that feeds {@code pipe}, on the caller's context (or one made for it): the pipe's cancel
   * resets the request; a failure before the answer, or an answer that is not a success (its error body read and
   * mapped), fails the pipe; a success goes to {@code relay} with its exchange, the response paused until the relay
   * resumes it.
   */
  public void stream(RequestOptions options, Buffer body, long deadlineMs, ChunkPipe<?> pipe,
                     BiConsumer<Exchange, HttpClientResponse> relay) {
    onContext(() -> {
      Exchange ex = exchange(deadlineMs);
      pipe.cancelHandler(ex::cancel);
      ex.send(options, body).onComplete(ar -> {
        if (ar.failed()) {
          pipe.fail(ar.cause());
        } else if (ar.result().statusCode() / 100 != 2) {
          ex.readError(ar.result()).onSuccess(pipe::fail);
        } else {
          relay.accept(ex, ar.result());
        }
      });
    });
  }

  /** The mesh error for an answer that is not a success. */
  public MeshException error(UpstreamReply reply) {
    return upstream.fromStatus(reply.status(), reply.headers(), reply.body());
  }

  public Future<Void> close() {
    return client.close();
  }
}
