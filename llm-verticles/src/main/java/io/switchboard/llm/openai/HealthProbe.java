package io.switchboard.llm.openai;

import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.UpstreamReply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Supplier;

/**
 * The active health check of an OpenAI-compatible upstream: {@code GET {base}/models}, at most once per
 * {@code health_interval_ms}, the result cached between probes and shared by concurrent callers. A 2xx is up, a
 * 429 is degraded, anything else (error status, refused, timed out) is down with a reason that carries no secret.
 *
 * <p>A pass-through backend (no {@code models} in its conf) also keeps the ids that list names, for
 * {@code GET /v1/models}: the answer it already has, so listing them costs no call of its own.
 */
final class HealthProbe {

  private final OpenAiSettings settings;
  private final Supplier<Future<UpstreamReply>> models;
  /** At most this many listed ids are kept: one heartbeat carries them all. */
  static final int MAX_LISTED = 1000;

  private Health last = Health.UP;
  private volatile List<String> listed = List.of();
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

  /** The model ids the upstream listed at the last successful probe; empty unless the backend is pass-through. */
  List<String> listed() {
    return listed;
  }

  private Health classify(UpstreamReply reply) {
    if (reply.ok()) {
      if (settings.descriptor().models().isEmpty()) {
        listed = ids(reply);
      }
      return Health.UP;
    }
    String reason = settings.upstream().fromStatus(reply.status(), reply.headers(), reply.body()).getMessage();
    return reply.status() == 429 ? Health.degraded(reason) : Health.down(reason);
  }

  /** {@code data[].id} of OpenAI's list shape; what does not have that shape lists nothing (the upstream is still up). */
  private List<String> ids(UpstreamReply reply) {
    try {
      JsonArray data = reply.json(settings.id()).getJsonArray("data", new JsonArray());
      return data.stream().filter(JsonObject.class::isInstance).map(m -> ((JsonObject) m).getValue("id"))
        .filter(String.class::isInstance).map(String.class::cast).distinct().limit(MAX_LISTED).toList();
    } catch (RuntimeException notAList) {
      return List.of();
    }
  }
}
