package io.switchboard.core.http;

import io.vertx.core.json.JsonObject;

/**
 * How long a cloud adapter waits for each phase of an upstream call: the TCP/TLS connect, the first byte of the
 * response (the upstream thinking), and the gap between two reads once the body flows. Read from the conf entry's
 * {@code timeouts: {connect_ms, first_byte_ms, idle_ms}}; the call's own deadline bounds all three.
 */
public record CloudTimeouts(long connectMs, long firstByteMs, long idleMs) {

  /** Transcription: the whole file is processed before the first byte, so the first byte may take long. */
  public static final CloudTimeouts TRANSCRIPTION = new CloudTimeouts(5_000, 120_000, 30_000);

  /** Streaming speech: the first audio should come within a few seconds, and then keep coming. */
  public static final CloudTimeouts SPEECH = new CloudTimeouts(5_000, 15_000, 15_000);

  /** The conf entry's {@code timeouts} object over {@code defaults}. */
  public static CloudTimeouts fromConf(JsonObject entry, CloudTimeouts defaults) {
    JsonObject t = entry.getJsonObject("timeouts", new JsonObject());
    return new CloudTimeouts(
      positive(t, "connect_ms", defaults.connectMs),
      positive(t, "first_byte_ms", defaults.firstByteMs),
      positive(t, "idle_ms", defaults.idleMs));
  }

  public CloudTimeouts withFirstByteMs(long ms) {
    return new CloudTimeouts(connectMs, ms, idleMs);
  }

  private static long positive(JsonObject t, String key, long fallback) {
    long v = t.getLong(key, fallback);
    if (v <= 0) {
      throw new IllegalArgumentException("timeouts." + key + " must be a positive number of milliseconds, got " + v);
    }
    return v;
  }
}
