package io.switchboard.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A steady, bounded load of chat requests from the test to routers' HTTP ports on 127.0.0.1: one request every
 * {@code 1000 / rate} ms until {@link #stop()} or the time limit, each with its own {@code x-request-id} so the
 * fake upstream's records tell which node served it. Every outcome is kept.
 */
final class LoadRun {

  /** How one request ended. */
  record Outcome(String requestId, int port, String model, boolean stream, long startedMs, long endedMs, int status,
                 String body, String failure) {

    /** A 200 whose body is the whole answer: JSON with choices, or an SSE stream ending with [DONE]. */
    boolean ok() {
      if (failure != null || status != 200) {
        return false;
      }
      return stream ? body.endsWith("data: [DONE]\n\n") : body.contains("\"choices\"");
    }

    /** A stream that started (200) and then ended with an error event and no [DONE]. */
    boolean streamEndedWithError() {
      if (!stream || status != 200 || body == null || body.contains("data: [DONE]")) {
        return false;
      }
      String trimmed = body.trim();
      int last = trimmed.lastIndexOf("data: ");
      if (last < 0) {
        return false;
      }
      try {
        return new JsonObject(trimmed.substring(last + 6)).containsKey("error");
      } catch (RuntimeException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      return requestId + " port " + port + (stream ? " stream" : "") + " status " + status
        + (failure != null ? " failure " + failure : "") + " body " + (body == null ? "" : body.substring(0, Math.min(300, body.length())));
    }
  }

  private final HttpClient client;
  /** Requests whose answer has started arriving and not yet ended (a stream delivering, now). */
  private final java.util.Set<String> receiving = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final String prefix;
  private PacedRun<Outcome> run;

  private LoadRun(Vertx vertx, String prefix) {
    this.prefix = prefix;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setIdleTimeout(30),
      new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
  }

  /** What request number n is. */
  record Plan(int port, String model, boolean stream) {
  }

  /** Starts sending at once; {@code plan} says what request number n is. */
  static LoadRun start(Vertx vertx, String prefix, int ratePerSecond, long maxMs, IntFunction<Plan> plan) {
    LoadRun load = new LoadRun(vertx, prefix);
    load.run = PacedRun.start(vertx, ratePerSecond, maxMs, n -> load.send(n, plan.apply(n)));
    return load;
  }

  private Future<Outcome> send(int n, Plan p) {
    String rid = prefix + "-" + n;
    long started = System.currentTimeMillis();
    JsonObject body = new JsonObject().put("model", p.model()).put("stream", p.stream())
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Count to ten.")));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(p.port())
      .setURI("/v1/chat/completions").putHeader("content-type", "application/json").putHeader("x-request-id", rid)
      .setIdleTimeout(60_000);
    ConnUse[] use = new ConnUse[1];
    return client.request(options)
      .compose(req -> {
        use[0] = ConnUse.of(req.connection(), started);
        return req.send(body.toBuffer());
      })
      .compose(res -> {
        Promise<Buffer> whole = Promise.promise();
        Buffer received = Buffer.buffer();
        res.handler(b -> {
          if (received.length() == 0) {
            receiving.add(rid);
          }
          received.appendBuffer(b);
        });
        res.exceptionHandler(whole::tryFail);
        res.endHandler(v -> whole.tryComplete(received));
        return whole.future().onComplete(ar -> receiving.remove(rid)).map(b -> {
          use[0].answered();
          return new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(), res.statusCode(), b.toString(), null);
        });
      })
      .recover(e -> Future.succeededFuture(new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(),
        0, null, e + (use[0] == null ? " (no connection)" : " " + use[0].describe(started)))));
  }

  /**
   * What happened to the connection a request went out on, to tell a connection the server closed while idle in the
   * pool from one closed during the exchange: its earlier requests, when the last one was answered, how it closed.
   */
  private static final class ConnUse {
    private static final java.util.Map<io.vertx.core.http.HttpConnection, ConnUse> ALL = new java.util.concurrent.ConcurrentHashMap<>();
    private final long openedMs = System.currentTimeMillis();
    private volatile int requests;
    private volatile long lastAnsweredMs = -1;
    private volatile long closedMs = -1;
    private volatile String error;

    static ConnUse of(io.vertx.core.http.HttpConnection c, long now) {
      ConnUse u = ALL.computeIfAbsent(c, k -> {
        ConnUse n = new ConnUse();
        k.closeHandler(v -> n.closedMs = System.currentTimeMillis());
        k.exceptionHandler(t -> n.error = t.toString());
        return n;
      });
      u.requests++;
      return u;
    }

    void answered() {
      lastAnsweredMs = System.currentTimeMillis();
    }

    String describe(long started) {
      return "[connection: request " + requests + " on it, opened " + (openedMs - started) + " ms, last answer "
        + (lastAnsweredMs < 0 ? "none" : (lastAnsweredMs - started) + " ms") + ", closed " + (closedMs < 0 ? "no" : (closedMs - started) + " ms")
        + (error == null ? "" : ", error " + error) + " (times relative to this request's start)]";
    }
  }

  /** Stops sending; {@link #finished()} completes when the last answer is in. */
  void stop() {
    run.stop();
  }

  /** The ids of requests whose answer is arriving right now (started, not ended). */
  java.util.Set<String> receiving() {
    return java.util.Set.copyOf(receiving);
  }

  Future<Void> finished() {
    return run.finished();
  }

  List<Outcome> outcomes() {
    return run.outcomes();
  }
}
