package io.switchboard.app.chaos;

import io.vertx.core.json.JsonObject;

/**
 * The chaos suite's timing. A faulty backend's bounds are short, so that a table of faults runs in seconds, yet far
 * from the faults meant to trip them (a trickle's gaps, a late first byte) so that a loaded shared machine does not
 * blur the two; a healthy backend's are generous, as it is not under test. The request's deadline leaves room for a
 * faulty backend to use its whole bound and the healthy one to answer after it.
 */
final class ChaosConf {

  /** A faulty backend: connect, first byte and idle bound; a whole answer's bound. */
  static final long FAULTY_MS = 3_000;
  static final long FAULTY_TOTAL_MS = 5_000;
  static final long HEALTHY_MS = 15_000;
  /** The request's deadline: where a stream that never ends is cut. */
  static final long REQUEST_TIMEOUT_MS = 20_000;
  /** Past every faulty first-byte bound: RunPod's {@code /runsync} (request_ms plus its 1 s wait), Anthropic's whole answer. */
  static final long LATE_MS = 10_000;
  /** Gaps far inside the idle bound: slow, not dead. */
  static final int TRICKLE_BYTES = 16;
  static final long TRICKLE_EVERY_MS = 10;
  static final long KEEP_ALIVE_MS = 200;
  /**
   * Rows in flight at once: enough that the table takes about a minute, few enough that a shared, loaded machine does
   * not push a healthy answer past a faulty backend's bounds (all 84 at once did, at a load average of 25).
   */
  static final int ROWS_AT_ONCE = 8;
  /** How long an open breaker waits before its half-open trial. */
  static final long BREAKER_RESET_MS = 2_000;
  /** How long a row may take, after its answer, to let go of everything: heartbeats come every second. */
  static final long SETTLE_MS = 15_000;

  private ChaosConf() {
  }

  /** The router's section: the deadline above and breakers that {@code maxFailures} failures open for {@code resetMs}. */
  static JsonObject router(int maxFailures, long resetMs) {
    return new JsonObject().put("heartbeat_timeout_ms", 10_000).put("timeout_ms", REQUEST_TIMEOUT_MS)
      .put("breaker", new JsonObject().put("max_failures", maxFailures).put("reset_timeout_ms", resetMs)
        .put("failures_window_ms", 60_000));
  }

  /** A backend's {@code timeouts}: every phase bound {@code phaseMs}, a whole answer {@code totalMs}. */
  static JsonObject timeouts(long phaseMs, long totalMs) {
    return new JsonObject().put("connect_ms", phaseMs).put("first_byte_ms", phaseMs).put("idle_ms", phaseMs).put("total_ms", totalMs);
  }

  static JsonObject faulty() {
    return timeouts(FAULTY_MS, FAULTY_TOTAL_MS);
  }

  static JsonObject healthy() {
    return timeouts(HEALTHY_MS, HEALTHY_MS + 3_000);
  }
}
