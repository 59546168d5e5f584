package io.switchboard.llm.openai;

import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.UpstreamReply;
import io.vertx.core.Future;

import java.util.function.Supplier;

/**
 * The active health check of an OpenAI-compatible upstream: {@code GET {base}/models}, at most once per
 * {@code health_interval_ms}, the result cached between probes and shared by concurrent callers. A 2xx is up, a
 * 429 is degraded, anything else (error status, refused, timed out) is down with a reason that carries no secret.
 */
final class HealthProbe {

  private final OpenAiSettings settings;
  private final Supplier<Future<UpstreamReply>> models;
  private Health last = Health.UP;
  private long lastAt;
  private boolean probed;
  private Future<Health> inflight;

  /** {@code models}: one {@code GET {base}/models} call. */
  HealthProbe(OpenAiSettings settings, Supplier<Future<UpstreamReply>> models) {
    this.settings = settings;
    this.models = models;
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
    return models.get()
      .map(this::classify)
      .otherwise(t -> Health.down(MeshException.from(t).getMessage()));
  }

  private Health classify(UpstreamReply reply) {
    if (reply.ok()) {
      return Health.UP;
    }
    String reason = settings.upstream().fromStatus(reply.status(), reply.headers(), reply.body()).getMessage();
    return reply.status() == 429 ? Health.degraded(reason) : Health.down(reason);
  }
}
