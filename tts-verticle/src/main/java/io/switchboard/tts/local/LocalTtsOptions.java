package io.switchboard.tts.local;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The conf entry of a {@code local-tts} backend, with its defaults beside each key.
 *
 * @param engine           {@code flite} (default) or {@code espeak-ng}
 * @param flitePath        flite executable, a name looked up in PATH or a path ({@code flite})
 * @param espeakPath       espeak-ng executable ({@code espeak-ng})
 * @param ffmpegPath       ffmpeg executable for mp3/opus/aac/flac ({@code ffmpeg}); missing means those answer 415
 * @param workers          engine processes running at once (2); also the default concurrency
 * @param maxChars         longest input accepted (4096); longer is 413
 * @param maxSentenceChars longest piece sent to the engine at once (400); longer sentences are cut at a comma
 * @param timeoutMs        limit for one engine run (30000), never beyond the request's deadline
 * @param voice            voice when a request names none (null: the engine's default, slt or en-us)
 * @param voiceMap         extra or overriding OpenAI-name-to-engine-voice entries ({@code voice_map})
 */
record LocalTtsOptions(String engine, String flitePath, String espeakPath, String ffmpegPath, int workers, int maxChars,
                       int maxSentenceChars, long timeoutMs, String voice, Map<String, String> voiceMap) {

  static final String FLITE = "flite";
  static final String ESPEAK = "espeak-ng";

  static LocalTtsOptions fromJson(JsonObject json) {
    String engine = json.getString("engine", FLITE);
    if (!engine.equals(FLITE) && !engine.equals(ESPEAK)) {
      throw new IllegalArgumentException("engine must be 'flite' or 'espeak-ng', not '" + engine + "'");
    }
    int workers = json.getInteger("workers", 2);
    int maxChars = json.getInteger("max_chars", 4096);
    int maxSentence = json.getInteger("max_sentence_chars", 400);
    long timeout = json.getLong("timeout_ms", 30_000L);
    if (workers < 1 || maxChars < 1 || maxSentence < 20 || timeout < 1) {
      throw new IllegalArgumentException("workers, max_chars and timeout_ms must be positive, max_sentence_chars at least 20");
    }
    Map<String, String> map = new LinkedHashMap<>();
    json.getJsonObject("voice_map", new JsonObject()).forEach(e -> map.put(e.getKey(), String.valueOf(e.getValue())));
    return new LocalTtsOptions(engine, json.getString("flite_path", "flite"), json.getString("espeak_path", "espeak-ng"),
      json.getString("ffmpeg_path", "ffmpeg"), workers, maxChars, maxSentence, timeout, json.getString("voice"), map);
  }

  /** The configured path of the engine's executable. */
  String enginePath() {
    return engine.equals(FLITE) ? flitePath : espeakPath;
  }
}
