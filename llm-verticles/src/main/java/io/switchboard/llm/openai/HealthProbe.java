package io.switchboard.llm.openai;

import io.switchboard.core.http.Contexts;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

import java.util.function.Supplier;

/**
 * The active health check of an OpenAI-compatible upstream: {@code GET {base}/models}, at most once per
 * {@code health_interval_ms}, the result cached between probes and shared by concurrent callers. A 2xx is up, a
 * 429 is degraded, anything else (error status, refused, timed out) is down with a reason that carries no secret.
 */
final class HealthProbe {

  private final Vertx vertx;
  private final OpenAiSettings settings;
  private final Supplier<Exchange> exchanges;
  private Health last = Health.UP;
  private long lastAt;
  private boolean probed;
  private Future<Health> inflight;

  HealthProbe(Vertx vertx, OpenAiSettings settings, Supplier<Exchange> exchanges) {
    this.vertx = vertx;
    this.settings = settings;
    this.exchanges = exchanges;
  }

  synchronized Future<Health> health() {
    if (settings.healthIntervalMs() <= 0) {
      return Future.succeededFuture(Health.UP);
    }
    if (inflight != null) {
      return inflight;
    }
    if (probed && System.currentTimeMillis() - lastAt < settings.healthIntervalMs()) {
      return Future.succeededFuture(last);
    }
    Future<Health> probe = probe();
    inflight = probe;
    probe.onComplete(ar -> record(ar.result()));
    return probe;
  }

  private synchronized void record(Health h) {
    last = h;
    lastAt = System.currentTimeMillis();
    probed = true;
    inflight = null;
  }

  private Future<Health> probe() {
    Promise<Health> result = Promise.promise();
    Contexts.onContext(vertx, () -> {
      Exchange ex = exchanges.get();
      ex.send(HttpMethod.GET, "/models", null, "application/json")
        .compose(response -> ex.readBody(response).map(body -> classify(response, body)))
        .otherwise(t -> Health.down(MeshException.from(t).getMessage()))
        .onComplete(result);
    });
    return result.future();
  }

  private Health classify(HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return Health.UP;
    }
    String reason = OpenAiErrors.fromStatus(settings.id(), status, response.headers(), body, settings.apiKey()).getMessage();
    return status == 429 ? Health.degraded(reason) : Health.down(reason);
  }
}
