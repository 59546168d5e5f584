package io.switchboard.voice.realtime;

import io.vertx.core.json.JsonObject;

/**
 * Conf {@code voice.realtime}: the session a realtime call opens. {@code model} (gpt-realtime, or an alias the realtime
 * backends declare), {@code voice} (alloy), {@code instructions} (none: the call's system prompt), server VAD
 * {@code threshold} (0.5), {@code prefix_padding_ms} (300), {@code silence_duration_ms} (500), and
 * {@code open_timeout_ms} (5000: the session's open through the router), {@code handover_line} ({@link #HANDOVER_LINE}:
 * said when a call continues in the fallback mode after its session was lost; empty: nothing).
 */
public record RealtimeSettings(String model, String voice, String instructions, double threshold, int prefixPaddingMs,
                               int silenceDurationMs, long openTimeoutMs, String handoverLine) {

  /** What a call says first when it continues in the fallback mode after its realtime session was lost. */
  public static final String HANDOVER_LINE = "Sorry, I lost you for a moment. Could you say that again?";

  public static RealtimeSettings fromJson(JsonObject voice) {
    JsonObject c = voice.getJsonObject("realtime", new JsonObject());
    RealtimeSettings s = new RealtimeSettings(c.getString("model", "gpt-realtime"), c.getString("voice", "alloy"),
      c.getString("instructions"), c.getDouble("threshold", 0.5), c.getInteger("prefix_padding_ms", 300),
      c.getInteger("silence_duration_ms", 500), c.getLong("open_timeout_ms", 5000L), c.getString("handover_line", HANDOVER_LINE));
    if (s.threshold < 0 || s.threshold > 1 || s.prefixPaddingMs < 0 || s.silenceDurationMs < 0 || s.openTimeoutMs < 100) {
      throw new IllegalArgumentException("voice.realtime: threshold must be in [0, 1], the durations >= 0, open_timeout_ms >= 100");
    }
    return s;
  }

  /**
   * The GA session object for a call whose audio is {@code format} both ways ({@code audio/pcmu} for Twilio, so its
   * μ-law passes through untouched; {@code audio/pcm} at 24 kHz for the plain socket).
   */
  public JsonObject session(JsonObject format, String callInstructions, String callVoice) {
    JsonObject vad = new JsonObject().put("type", "server_vad").put("threshold", threshold).put("prefix_padding_ms", prefixPaddingMs)
      .put("silence_duration_ms", silenceDurationMs).put("create_response", true).put("interrupt_response", true);
    String text = instructions != null ? instructions : callInstructions;
    JsonObject session = new JsonObject().put("type", "realtime")
      .put("audio", new JsonObject()
        .put("input", new JsonObject().put("format", format.copy()).put("turn_detection", vad))
        .put("output", new JsonObject().put("format", format.copy()).put("voice", callVoice != null ? callVoice : voice)));
    if (text != null) {
      session.put("instructions", text);
    }
    return session;
  }
}
