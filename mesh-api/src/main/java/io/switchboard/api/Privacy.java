package io.switchboard.api;

import java.util.Locale;

/**
 * Where a request's data may go, ordered from most to least private: {@code local} (this host's CPU) &lt;
 * {@code private} (infrastructure the operator runs) &lt; {@code zdr} (cloud under zero data retention) &lt;
 * {@code cloud}. A request states the most it allows; a backend declares its class.
 */
public enum Privacy {
  LOCAL, PRIVATE, ZDR, CLOUD;

  /** Lower-cased once: it is written on every request (headers, usage records). */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** True when a request whose ceiling is {@code this} may be served by a backend of class {@code backendClass}. */
  public boolean allows(Privacy backendClass) {
    return backendClass.ordinal() <= ordinal();
  }

  /** The stricter of two ceilings. */
  public Privacy min(Privacy other) {
    return other == null || ordinal() <= other.ordinal() ? this : other;
  }

  /** Parses a wire name; {@code any} means {@code cloud}. Throws {@link IllegalArgumentException} naming the allowed values. */
  public static Privacy parse(String value) {
    if (value != null) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Privacy p = v.equals("any") ? CLOUD : WireNames.find(Privacy.class, v);
      if (p != null) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown privacy class '" + value + "' (local, private, zdr, cloud, any)");
  }
}
