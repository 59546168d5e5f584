package io.switchboard.voice.call;

import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.Strategy;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.transport.ProtocolException;
import io.vertx.core.json.JsonObject;

/**
 * One call's settings: conf's {@code voice} defaults, overridden by the call's own parameters (Twilio's
 * {@code start.customParameters}, or the plain socket's first message): {@code model}, {@code voice},
 * {@code privacy}, {@code strategy}, {@code system_prompt}, {@code greeting}, {@code language}, {@code preemptive}. A parameter of the
 * wrong kind (not a string, too long, an unknown privacy or strategy, a language the transcription stage would refuse)
 * is a protocol error that refuses the call before it starts, rather than a failure in every turn.
 */
public record CallOptions(String chatModel, String transcribeModel, String speechModel, String voice, String language,
                          Privacy privacy, Strategy strategy, String systemPrompt, String greeting, String apology, int maxTokens,
                          int historyTurns, VoiceSettings.CallDefaults chunking, String preemptive) {

  private static final int MAX_PROMPT = 8000;
  private static final int MAX_TEXT = 1000;

  /** {@code defaults} overridden by {@code params} (null: none). */
  public static CallOptions of(VoiceSettings.CallDefaults defaults, JsonObject params) {
    JsonObject p = params == null ? new JsonObject() : params;
    String privacy = text(p, "privacy", defaults.privacy(), 16);
    String strategy = text(p, "strategy", defaults.strategy(), 16);
    Privacy parsedPrivacy;
    Strategy parsedStrategy;
    try {
      parsedPrivacy = privacy == null ? null : Privacy.parse(privacy);
      parsedStrategy = strategy == null ? null : Strategy.parse(strategy);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ProtocolException.POLICY, e.getMessage());
    }
    String language = text(p, "language", defaults.language(), 32);
    String preemptive = text(p, "preemptive", defaults.preemptive(), 16);
    if (!VoiceSettings.PREEMPTIVE.contains(preemptive)) {
      throw new ProtocolException(ProtocolException.POLICY, "call parameter 'preemptive' must be one of " + VoiceSettings.PREEMPTIVE);
    }
    if (language != null && !language.equals(defaults.language())) {
      checkLanguage(language);
    }
    return new CallOptions(
      text(p, "model", defaults.chatModel(), 200),
      defaults.transcribeModel(),
      defaults.speechModel(),
      text(p, "voice", defaults.voice(), 200),
      language,
      parsedPrivacy,
      parsedStrategy,
      text(p, "system_prompt", defaults.systemPrompt(), MAX_PROMPT),
      text(p, "greeting", defaults.greeting(), MAX_TEXT),
      defaults.apology(),
      defaults.maxTokens(),
      defaults.historyTurns(),
      defaults,
      preemptive);
  }

  /** These options with privacy no looser than {@code ceiling} (an API key's). */
  public CallOptions cappedAt(Privacy ceiling) {
    Privacy p = privacy == null ? ceiling : privacy.min(ceiling);
    return new CallOptions(chatModel, transcribeModel, speechModel, voice, language, p, strategy, systemPrompt, greeting, apology,
      maxTokens, historyTurns, chunking, preemptive);
  }

  /** These options with another greeting (a call continuing in another mode says something else first). */
  public CallOptions withGreeting(String text) {
    return new CallOptions(chatModel, transcribeModel, speechModel, voice, language, privacy, strategy, systemPrompt, text, apology,
      maxTokens, historyTurns, chunking, preemptive);
  }

  /** Whether the chat starts on the speculative transcript, before the endpoint confirms it. */
  public boolean preemptiveChat() {
    return !preemptive.equals("off");
  }

  /** Whether the first piece's speech is asked for before the endpoint too. */
  public boolean preemptiveSpeech() {
    return preemptive.equals("speech");
  }

  /** Writes the call's routing hints into a stage request body. */
  public JsonObject hints(JsonObject body) {
    if (privacy != null) {
      body.put("privacy", privacy.wireName());
    }
    if (strategy != null) {
      body.put("strategy", strategy.wireName());
    }
    return body;
  }

  /** The transcription stage's own rule (an ISO-639-1 code or a language's English name), checked at the start. */
  private static void checkLanguage(String language) {
    try {
      TranscriptionRequest.fromJson(new JsonObject().put("model", "-").put("language", language));
    } catch (MeshException e) {
      throw new ProtocolException(ProtocolException.POLICY, "call parameter " + e.getMessage());
    }
  }

  private static String text(JsonObject p, String field, String fallback, int max) {
    Object v = p.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof String s)) {
      throw new ProtocolException(ProtocolException.POLICY, "call parameter '" + field + "' must be a string");
    }
    if (s.length() > max) {
      throw new ProtocolException(ProtocolException.POLICY, "call parameter '" + field + "' is longer than " + max + " characters");
    }
    return s.isBlank() && !field.equals("greeting") ? fallback : s;
  }
}
