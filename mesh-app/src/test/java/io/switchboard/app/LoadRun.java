package io.switchboard.app;

import io.vertx.core.Future;
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
    return client.request(options)
      .compose(req -> req.send(body.toBuffer()))
      .compose(res -> res.body().map(b -> new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(),
        res.statusCode(), b.toString(), null)))
      .recover(e -> Future.succeededFuture(new Outcome(rid, p.port(), p.model(), p.stream(), started, System.currentTimeMillis(),
        0, null, e.toString())));
  }

  /** Stops sending; {@link #finished()} completes when the last answer is in. */
  void stop() {
    run.stop();
  }

  Future<Void> finished() {
    return run.finished();
  }

  List<Outcome> outcomes() {
    return run.outcomes();
  }
}
