package io.switchboard.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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

  private final Vertx vertx;
  private final HttpClient client;
  private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final AtomicInteger inflight = new AtomicInteger();
  private final Promise<Void> done = Promise.promise();
  private final String prefix;
  private volatile boolean stopped;
  private long timer;
  private int sent;

  private LoadRun(Vertx vertx, String prefix) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setIdleTimeout(30),
      new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
  }

  /** What request number n is. */
  record Plan(int port, String model, boolean stream) {
  }

  /** Starts sending at once; {@code plan} says what request number n is. */
  static LoadRun start(Vertx vertx, String prefix, int ratePerSecond, long maxMs, IntFunction<Plan> plan) {
    LoadRun run = new LoadRun(vertx, prefix);
    long until = System.currentTimeMillis() + maxMs;
    run.timer = vertx.setPeriodic(Math.max(1, 1000 / ratePerSecond), t -> {
      if (run.stopped || System.currentTimeMillis() >= until) {
        run.stop();
        return;
      }
      run.send(plan.apply(run.sent++));
    });
    return run;
  }

  private void send(Plan p) {
    String rid = prefix + "-" + sent;
    long started = System.currentTimeMillis();
    inflight.incrementAndGet();
    JsonObject body = new JsonObject().put("model", p.model()).put("stream", p.stream())
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Count to ten.")));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(p.port())
      .setURI("/v1/chat/completions").putHeader("content-type", "application/json").putHeader("x-request-id", rid)
      .setIdleTimeout(60_000);
    client.request(options)
      .compose(req -> req.send(body.toBuffer()))
      .compose(res -> res.body().map(b -> new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(),
        res.statusCode(), b.toString(), null)))
      .recover(e -> Future.succeededFuture(new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(),
        0, null, e.toString())))
      .onSuccess(o -> {
        outcomes.add(o);
        if (inflight.decrementAndGet() == 0 && stopped) {
          done.tryComplete();
        }
      });
  }

  /** Stops sending; {@link #finished()} completes when the last answer is in. */
  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    if (inflight.get() == 0) {
      done.tryComplete();
    }
  }

  Future<Void> finished() {
    return done.future();
  }

  List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }
}
