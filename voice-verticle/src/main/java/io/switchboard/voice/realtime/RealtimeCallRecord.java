package io.switchboard.voice.realtime;

import io.switchboard.api.CallUsage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.VoiceModes;
import io.switchboard.voice.call.MeshView;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * What a realtime call used, and the one usage record it leaves (as a pipeline call's: request id = the call id,
 * capability null, cost 0, the {@link CallUsage} with mode {@code realtime} and one stage, {@code realtime}, whose cost
 * is the session's at its backend's list prices; the session's own record, left by the backend, carries the cost the
 * key is charged). The call's context only.
 */
final class RealtimeCallRecord {

  private final String callId;
  private final String transport;
  private final String keyId;
  private final Privacy ceiling;
  private final long startedAt = System.currentTimeMillis();
  private String backend;
  private String fallbackFrom;
  private double audioInSeconds;
  private int turns;
  private int bargeIns;
  private long firstFrameMs = -1;
  private JsonObject usage = new JsonObject();
  private boolean failed;

  RealtimeCallRecord(String callId, String transport, String keyId, Privacy ceiling) {
    this.callId = callId;
    this.transport = transport;
    this.keyId = keyId;
    this.ceiling = ceiling;
  }

  void backend(String id) {
    backend = id;
  }

  void fallbackFrom(String mode) {
    fallbackFrom = mode;
  }

  void audioIn(double seconds) {
    audioInSeconds += seconds;
  }

  /** A turn was taken; the number of turns so far. */
  int turn() {
    return ++turns;
  }

  void bargeIn() {
    bargeIns++;
  }

  void firstFrame() {
    if (firstFrameMs < 0) {
      firstFrameMs = System.currentTimeMillis() - startedAt;
    }
  }

  /** The session's end: its usage (from the backend), and whether it failed. */
  void session(JsonObject sessionUsage, boolean sessionFailed) {
    if (sessionUsage != null && !sessionUsage.isEmpty()) {
      usage = sessionUsage;
    }
    failed |= sessionFailed;
  }

  UsageRecord build(MeshView view, double audioOutSeconds, String endReason, ErrorCode error) {
    long duration = System.currentTimeMillis() - startedAt;
    double cost = usage.getDouble("cost_usd", 0d);
    List<String> backends = backend == null ? List.of() : List.of(backend);
    CallUsage.Stage stage = new CallUsage.Stage("realtime", 1, failed ? 1 : 0, backends, cost);
    CallUsage call = new CallUsage(transport, duration, audioInSeconds, audioOutSeconds, turns, bargeIns, ceiling, endReason,
      List.of(stage), VoiceModes.REALTIME, fallbackFrom);
    UsageRecord.Builder b = UsageRecord.builder(callId).time(Instant.now()).keyId(keyId).backend(backend)
      .model(usage.getString("model")).privacy(backend == null ? null : view.privacyOf(backend))
      .tokens(usage.getLong("input_tokens", 0L), usage.getLong("output_tokens", 0L)).audioSeconds(audioInSeconds)
      .latencyMs(duration).firstByteMs(Math.max(0, firstFrameMs)).call(call);
    if (error != null) {
      b.error(error);
    }
    return b.build();
  }
}
