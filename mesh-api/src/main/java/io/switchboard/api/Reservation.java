package io.switchboard.api;

import java.util.List;

/**
 * Money held against a key's budget counters until the request's real cost is known. Settle it exactly once (the
 * budget guard of {@code io.switchboard.core.usage} replaces it by the real cost); settling to 0 releases it (a failed
 * or cancelled request).
 *
 * @param keyId          the key, or null for requests without one
 * @param estimateMicros what was reserved, in micro-dollars
 * @param counters       the period counters it was added to (each key's day and/or month)
 */
public record Reservation(String keyId, long estimateMicros, List<String> counters) {

  /** Nothing reserved: no key, or a key without budgets. */
  public static Reservation none(String keyId) {
    return new Reservation(keyId, 0, List.of());
  }

  public Reservation {
    counters = List.copyOf(counters);
  }
}
