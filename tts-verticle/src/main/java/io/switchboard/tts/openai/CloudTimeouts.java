package io.switchboard.tts.openai;

import io.vertx.core.json.JsonObject;

/**
 * How long a speech adapter waits for each phase of an upstream call: the connect, the first audio byte, and the
 * gap between two reads of the audio stream (not counted while the reader is paused by a slow caller). Read from
 * the conf entry's {@code timeouts: {connect_ms, first_byte_ms, idle_ms}}; the call's deadline bounds all three.
 */
public record CloudTimeouts(long connectMs, long firstByteMs, long idleMs) {

  /** Streaming speech: the first audio should come within a few seconds, and then keep coming. */
  public static final CloudTimeouts SPEECH = new CloudTimeouts(5_000, 15_000, 15_000);

  public static CloudTimeouts fromConf(JsonObject entry, CloudTimeouts defaults) {
    JsonObject t = entry.getJsonObject("timeouts", new JsonObject());
    return new CloudTimeouts(
      positive(t, "connect_ms", defaults.connectMs),
      positive(t, "first_byte_ms", defaults.firstByteMs),
      positive(t, "idle_ms", defaults.idleMs));
  }

  private static long positive(JsonObject t, String key, long fallback) {
    long v = t.getLong(key, fallback);
    if (v <= 0) {
      throw new IllegalArgumentException("timeouts." + key + " must be a positive number of milliseconds, got " + v);
    }
    return v;
  }
}
