package io.switchboard.api;

import java.util.Locale;

/** How the router orders the candidates for a request. */
public enum Strategy {
  /** Priority order, fail over to the next. */
  FALLBACK,
  /** The first candidate only, no failover. */
  PRIORITY,
  /** Cheapest estimate first, fail over. */
  COST,
  /** Lowest recent latency first, fail over. */
  LATENCY,
  /** A traffic split (canary) by configured weights, fail over. */
  WEIGHTED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Strategy parse(String value) {
    if (value != null) {
      for (Strategy s : values()) {
        if (s.wireName().equalsIgnoreCase(value.trim())) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException("unknown strategy '" + value + "' (fallback, priority, cost, latency, weighted)");
  }
}
