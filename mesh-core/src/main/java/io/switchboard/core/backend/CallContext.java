package io.switchboard.core.backend;

/**
 * Who asked and until when: the request id for logs and upstream correlation, the API key id (never the key),
 * and the absolute deadline (epoch ms) after which the work is useless.
 */
public record CallContext(String requestId, String keyId, long deadlineMs) {

  /** Milliseconds left before the deadline, at least 1. */
  public long remainingMs() {
    return Math.max(1, deadlineMs - System.currentTimeMillis());
  }
}
