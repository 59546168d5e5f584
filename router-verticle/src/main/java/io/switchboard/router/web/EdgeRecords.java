package io.switchboard.router.web;

import io.switchboard.api.Capability;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageRecord;
import io.switchboard.router.metrics.RequestMetrics;
import io.switchboard.router.usage.UsageRecorder;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;

/**
 * Usage records of requests the HTTP edge refuses before they reach the router (not JSON, wrong content type, a
 * field that fails validation, a bad API key, an upload too large): the router never sees them, so the edge records
 * them, then answers (after the record is durable, as the router does), and counts them in the request metrics.
 * Requests that reach the router are recorded and counted there.
 */
final class EdgeRecords {

  static final String STARTED_AT = "switchboard.started_at_ms";

  private final UsageRecorder recorder;
  private final RequestMetrics metrics;

  /** @param recorder null when the mesh runs without a usage ledger */
  EdgeRecords(UsageRecorder recorder, RequestMetrics metrics) {
    this.recorder = recorder;
    this.metrics = metrics;
  }

  /** Records the refusal of a {@code capability} request, then answers it with OpenAI's error JSON. */
  void refuse(RoutingContext ctx, Capability capability, Throwable failure) {
    MeshException e = MeshException.from(failure);
    metrics.refusedAtEdge(capability, e.errorCode());
    String requestId = ctx.get(Headers.REQUEST_ID);
    if (recorder == null || requestId == null || ctx.response().ended()) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    long now = System.currentTimeMillis();
    Long started = ctx.get(STARTED_AT);
    UsageRecord record = UsageRecord.builder(requestId)
      .time(Instant.ofEpochMilli(now))
      .keyId(ctx.get(Headers.KEY_ID))
      .capability(capability)
      .latencyMs(started == null ? 0 : Math.max(0, now - started))
      .error(e.errorCode())
      .build();
    recorder.send(record).onComplete(v -> HttpErrors.send(ctx.response(), e));
  }
}
