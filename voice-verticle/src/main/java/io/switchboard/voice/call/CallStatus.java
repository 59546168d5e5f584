package io.switchboard.voice.call;

import io.vertx.core.json.JsonObject;

/**
 * What an operator sees of one open call (the admin page's Calls view, {@code GET /api/v1/voice/calls}): its id,
 * transport, mode, start, turns, the stage it is in and the last turn's stage latencies. Written on the call's
 * context, read from the web route's: every field is volatile and {@link #toJson} copies. Holds nothing the caller
 * said and no key.
 */
public final class CallStatus {

  /** The cascade over the router's transcribe, chat and speech addresses (a realtime call says {@code realtime}). */
  public static final String MODE = "pipeline";

  private final String callId;
  private final String transport;
  private final String mode;
  private final long startedAt = System.currentTimeMillis();
  private volatile String stage = "listening";
  private volatile int turns;
  private volatile JsonObject lastTurn = new JsonObject();

  CallStatus(String callId, String transport) {
    this(callId, transport, MODE);
  }

  public CallStatus(String callId, String transport, String mode) {
    this.callId = callId;
    this.transport = transport;
    this.mode = mode;
  }

  public void stage(String s) {
    stage = s;
  }

  public void turns(int n) {
    turns = n;
  }

  /** A turn's {@code turn.metrics} report ({@link TurnMetrics#report}): its stage times become the last turn's. */
  public void turnReported(JsonObject report) {
    JsonObject ms = new JsonObject();
    put(ms, "endpoint_ms", report.getLong("endpoint_ms"));
    put(ms, "transcribe_ms", report.getLong("transcription_ms"));
    put(ms, "chat_ttft_ms", report.getLong("chat_first_token_ms"));
    put(ms, "speech_ttfb_ms", report.getLong("speech_first_audio_ms"));
    put(ms, "first_frame_ms", report.getLong("first_frame_ms"));
    put(ms, "voice_to_voice_ms", report.getLong("voice_to_voice_ms"));
    lastTurn = ms;
  }

  private static void put(JsonObject into, String name, Long ms) {
    if (ms != null && ms >= 0) {
      into.put(name, ms); // a stage the turn did not reach (-1) is left out: the page shows "–"
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", callId).put("transport", transport).put("mode", mode).put("started_at", startedAt)
      .put("stage", stage).put("turns", turns).put("latency_ms", lastTurn.copy());
  }
}
