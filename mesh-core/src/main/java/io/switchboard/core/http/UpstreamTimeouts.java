package io.switchboard.core.http;

import io.vertx.core.json.JsonObject;

/**
 * How long an upstream call may take, phase by phase: the TCP/TLS connect, the first byte of the response (the
 * upstream thinking), the gap between two reads once the body flows, and the whole call. The call's own deadline
 * bounds all four. Read from the conf entry's {@code timeouts: {connect_ms, first_byte_ms, idle_ms, total_ms}}.
 */
public record UpstreamTimeouts(long connectMs, long firstByteMs, long idleMs, long totalMs) {

  /** No bound of its own: the call's deadline decides. */
  public static final long NONE = Long.MAX_VALUE;

  /** Transcription: the whole file is processed before the first byte, so the first byte may take long. */
  public static final UpstreamTimeouts TRANSCRIPTION = new UpstreamTimeouts(5_000, 120_000, 30_000, NONE);

  /** Streaming speech: the first audio should come within a few seconds, and then keep coming. */
  public static final UpstreamTimeouts SPEECH = new UpstreamTimeouts(5_000, 15_000, 15_000, NONE);

  /** The conf entry's {@code timeouts} object over {@code defaults}; a value that is not positive is refused. */
  public static UpstreamTimeouts fromConf(JsonObject entry, UpstreamTimeouts defaults) {
    JsonObject t = entry.getJsonObject("timeouts", new JsonObject());
    return new UpstreamTimeouts(
      positive(t, "connect_ms", defaults.connectMs),
      positive(t, "first_byte_ms", defaults.firstByteMs),
      positive(t, "idle_ms", defaults.idleMs),
      positive(t, "total_ms", defaults.totalMs));
  }

  public UpstreamTimeouts withFirstByteMs(long ms) {
    return new UpstreamTimeouts(connectMs, ms, idleMs, totalMs);
  }

  public UpstreamTimeouts withTotalMs(long ms) {
    return new UpstreamTimeouts(connectMs, firstByteMs, idleMs, ms);
  }

  /** The same call held open {@code waitMs} longer by the upstream on purpose (RunPod's {@code /runsync?wait=}). */
  public UpstreamTimeouts plusWait(long waitMs) {
    return new UpstreamTimeouts(connectMs, firstByteMs + waitMs, idleMs, totalMs == NONE ? NONE : totalMs + waitMs);
  }

  /** The absolute end of a call started at {@code startMs} whose caller gives up at {@code deadlineMs}. */
  public long endOf(long startMs, long deadlineMs) {
    return totalMs == NONE ? deadlineMs : Math.min(deadlineMs, startMs + totalMs);
  }

  private static long positive(JsonObject t, String key, long fallback) {
    long v = t.getLong(key, fallback);
    if (v <= 0) {
      throw new IllegalArgumentException("timeouts." + key + " must be a positive number of milliseconds, got " + v);
    }
    return v;
  }
}
