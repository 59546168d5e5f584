package io.switchboard.voice;

import io.switchboard.voice.vad.Endpointer;
import io.vertx.core.json.JsonObject;

/**
 * The {@code voice} section of conf, read once with the defaults beside each key (README, "Voice calls").
 *
 * @param maxCalls        concurrent calls per node; beyond it an upgrade is refused with 503 and Retry-After
 * @param maxCallMs       a call is ended after this long
 * @param silenceTimeoutMs a call in which nobody spoke for this long is ended
 * @param drainTimeoutMs  on SIGTERM, how long active calls may go on before they are closed
 * @param stageTimeoutMs  the deadline of each stage request (transcription, chat, speech) sent to the router
 * @param leadMs          how far ahead of real time outbound audio is sent
 * @param echoGuardMs     caller speech in the first this-many ms of the agent's audio does not interrupt it
 * @param bargeIn         whether caller speech interrupts the agent at all
 * @param quietDbfs       audio at or below this level is quiet: a silence the VAD finds is counted from where the audio
 *                        went quiet (0: off)
 * @param requireKeys     calls need an API key or a signed token (the node sets it from {@code auth.require_keys})
 * @param defaults        call settings before a call's own parameters
 */
public record VoiceSettings(int maxCalls, long maxCallMs, long silenceTimeoutMs, long drainTimeoutMs, long stageTimeoutMs,
                            long leadMs, long echoGuardMs, boolean bargeIn, int preRollMs, double quietDbfs, int vadThreads,
                            int vadMaxBatch,
                            Endpointer.Settings endpointing, boolean requireKeys, String modelsDir, String twilioAuthTokenEnv,
                            String publicUrl, String tokenSecretEnv, long tokenTtlMs, CallDefaults defaults) {

  /** Per-call settings before the call's own parameters ({@code start.customParameters} or the first message). */
  public record CallDefaults(String chatModel, String transcribeModel, String speechModel, String voice, String language,
                             String privacy, String strategy, String systemPrompt, String greeting, String apology,
                             int maxTokens, int historyTurns, int firstClauseChars, int clauseChars, int maxPieceChars,
                             String preemptive) {
  }

  /** {@code voice.preemptive}: an answer prepared on the speculative transcript: none, its chat, or its chat and speech. */
  public static final java.util.List<String> PREEMPTIVE = java.util.List.of("off", "chat", "speech");

  public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant on a phone call. Answer in short, plain "
    + "spoken sentences: no lists, no markdown, no emoji. If you did not understand, say so briefly.";

  public static VoiceSettings fromJson(JsonObject c) {
    JsonObject vad = c.getJsonObject("vad", new JsonObject());
    JsonObject barge = c.getJsonObject("barge_in", new JsonObject());
    JsonObject output = c.getJsonObject("output", new JsonObject());
    JsonObject twilio = c.getJsonObject("twilio", new JsonObject());
    JsonObject tokens = c.getJsonObject("tokens", new JsonObject());
    JsonObject text = c.getJsonObject("chunking", new JsonObject());
    long windowMs = 32;
    Endpointer.Settings endpointing = new Endpointer.Settings(
      vad.getDouble("threshold", 0.5),
      (int) Math.max(1, (vad.getLong("start_ms", 64L) + windowMs - 1) / windowMs),
      vad.getLong("min_speech_ms", 200L),
      vad.getLong("endpoint_silence_ms", 500L),
      vad.getLong("speculative_ms", 250L),
      vad.getLong("max_utterance_ms", 30_000L));
    CallDefaults defaults = new CallDefaults(
      c.getString("chat_model", "light"),
      c.getString("transcribe_model", "whisper-1"),
      c.getString("speech_model", "tts-1"),
      c.getString("voice"),
      c.getString("language", "en"),
      c.getString("privacy"),
      c.getString("strategy"),
      c.getString("system_prompt", DEFAULT_SYSTEM_PROMPT),
      c.getString("greeting", ""),
      c.getString("apology", "Sorry, I am having trouble right now. Please try again in a moment."),
      c.getInteger("max_tokens", 200),
      c.getInteger("history_turns", 20),
      text.getInteger("first_clause_chars", 16),
      text.getInteger("clause_chars", 40),
      text.getInteger("max_chars", 240),
      preemptive(c.getValue("preemptive", "chat")));
    VoiceSettings s = new VoiceSettings(
      c.getInteger("max_calls", 100),
      c.getLong("max_call_ms", 3_600_000L),
      c.getLong("silence_timeout_ms", 120_000L),
      c.getLong("drain_timeout_ms", 600_000L),
      c.getLong("stage_timeout_ms", 30_000L),
      output.getLong("lead_ms", 120L),
      barge.getLong("echo_guard_ms", 200L),
      barge.getBoolean("enabled", true),
      vad.getInteger("pre_roll_ms", 300),
      vad.getDouble("quiet_dbfs", -50.0),
      vad.getInteger("threads", 1),
      vad.getInteger("max_batch", 64),
      endpointing,
      c.getBoolean("require_keys", false),
      c.getString("models_dir"),
      twilio.getString("auth_token_env", "TWILIO_AUTH_TOKEN"),
      c.getString("public_url"),
      tokens.getString("secret_env", "SWITCHBOARD_VOICE_TOKEN_SECRET"),
      tokens.getLong("ttl_ms", 300_000L),
      defaults);
    s.validate();
    return s;
  }

  /** YAML reads an unquoted {@code off} (or {@code on}) as a boolean: both spellings mean the same here. */
  private static String preemptive(Object value) {
    return value instanceof Boolean b ? (b ? "chat" : "off") : String.valueOf(value);
  }

  private void validate() {
    if (maxCalls < 1 || maxCallMs < 1000 || silenceTimeoutMs < 1000 || stageTimeoutMs < 100 || leadMs < 20 || vadThreads < 1
      || vadMaxBatch < 1 || preRollMs < 0 || tokenTtlMs < 1000) {
      throw new IllegalArgumentException("voice: max_calls, max_call_ms, silence_timeout_ms, stage_timeout_ms, output.lead_ms (20+), "
        + "vad.threads, vad.max_batch and tokens.ttl_ms must be positive; vad.pre_roll_ms may not be negative");
    }
    if (!PREEMPTIVE.contains(defaults.preemptive())) {
      throw new IllegalArgumentException("voice.preemptive must be one of " + PREEMPTIVE + ", got " + defaults.preemptive());
    }
    if (defaults.maxTokens() < 1 || defaults.historyTurns() < 0 || defaults.maxPieceChars() < 20) {
      throw new IllegalArgumentException("voice: max_tokens must be positive, history_turns not negative, chunking.max_chars 20+");
    }
  }
}
