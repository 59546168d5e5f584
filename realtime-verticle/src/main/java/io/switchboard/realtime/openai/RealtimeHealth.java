package io.switchboard.realtime.openai;

import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.Upstream;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamReply;
import io.switchboard.core.http.UpstreamTimeouts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The active health check of a Realtime upstream. Opening a WebSocket to probe would start a session (billed, and
 * counted against the account's concurrent sessions), so the probe is the REST call OpenAI serves on the same base URL
 * and key: {@code GET {base}/models/{model}} for the backend's first model. It proves what a session needs before any
 * audio: the host answers, the key is accepted, the account sees the model. At most once per
 * {@code health_interval_ms} while up (every {@link #RETRY_MS} at most while not), cached between probes, shared by concurrent callers (as the chat adapters'
 * {@code GET /models} probe). A 2xx is up; 429 degraded (the router prefers others while it lasts); 401/403 and 404
 * down as misconfigured (a wrong key or a model the account does not have: waiting will not mend it); 5xx, refused,
 * timed out down. The reason is the mesh's error text, without the key.
 */
final class RealtimeHealth {

  /**
   * A failed probe is kept at most this long (a good one for the whole interval): one probe that timed out on a
   * loaded machine, or a blip, does not hold the backend down for a minute, and a mended key shows soon.
   */
  static final long RETRY_MS = 5_000;

  private final String id;
  private final long intervalMs;
  private final long timeoutMs;
  private final UpstreamClient http;
  private final RequestOptions probe;
  private Health last = Health.UP;
  private long lastAt;
  private boolean probed;
  private Future<Health> inflight;

  /** {@code baseUrl}: the http(s) base the sessions' ws(s) URL is made from; {@code intervalMs} 0: no probe (always up). */
  RealtimeHealth(Vertx vertx, String id, String baseUrl, String apiKey, String model, long intervalMs, long timeoutMs) {
    this.id = id;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.http = new UpstreamClient(vertx, new Upstream(id, ErrorDialect.OPENAI, apiKey),
      new UpstreamTimeouts(timeoutMs, timeoutMs, timeoutMs, timeoutMs), 1, 1 << 16);
    URI base = URI.create(httpBase(baseUrl));
    boolean ssl = "https".equals(base.getScheme());
    String path = (base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "")) + "/models/"
      + URLEncoder.encode(model, StandardCharsets.UTF_8);
    this.probe = new RequestOptions().setMethod(HttpMethod.GET).setSsl(ssl).setHost(base.getHost())
      .setPort(base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80).setURI(path)
      .putHeader(HttpHeaders.ACCEPT, "application/json");
    if (apiKey != null) {
      probe.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
    }
  }

  synchronized Future<Health> health() {
    if (intervalMs <= 0) {
      return Future.succeededFuture(Health.UP);
    }
    if (inflight != null) {
      return inflight;
    }
    long keep = last.isUp() ? intervalMs : Math.min(intervalMs, RETRY_MS);
    if (probed && System.currentTimeMillis() - lastAt < keep) {
      return Future.succeededFuture(last);
    }
    Future<Health> f = http.call(probe, List.of(), System.currentTimeMillis() + timeoutMs)
      .map(this::classify)
      .otherwise(t -> Health.down(MeshException.from(t).getMessage()));
    inflight = f;
    f.onComplete(ar -> record(ar.result()));
    return f;
  }

  Future<Void> close() {
    return http.close();
  }

  private synchronized void record(Health h) {
    last = h;
    lastAt = System.currentTimeMillis();
    probed = true;
    inflight = null;
  }

  private Health classify(UpstreamReply reply) {
    if (reply.ok()) {
      return Health.UP;
    }
    String reason = http.upstream().fromStatus(reply.status(), reply.headers(), reply.body()).getMessage();
    return switch (reply.status()) {
      case 429 -> Health.degraded(reason);
      case 401, 403, 404 -> Health.down("misconfigured: " + reason);
      default -> Health.down(reason);
    };
  }

  /** {@code wss://host/v1} (a base given as ws) as {@code https://host/v1}; http(s) stays. */
  static String httpBase(String base) {
    return OpenAiRealtimeBackend.rescheme(base, "ws", "http");
  }
}
