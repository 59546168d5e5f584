package io.switchboard.usage.store;

import io.switchboard.api.MeshException;

import java.util.Locale;

/** The dimensions usage totals can be grouped by, each with the column it reads; the wire name is lowercase. */
public enum GroupBy {
  KEY("key_id"),
  BACKEND("backend"),
  MODEL("model"),
  CAPABILITY("capability"),
  PRIVACY("privacy"),
  DAY("usage_day"),
  /** Voice calls by mode (their call records; {@link ModeTotals}), not requests. */
  MODE("voice_mode");

  private final String column;

  GroupBy(String column) {
    this.column = column;
  }

  String column() {
    return column;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code group_by}; a bad value is an invalid request naming the allowed ones. */
  public static GroupBy parse(String value) {
    if (value != null) {
      for (GroupBy g : values()) {
        if (g.wireName().equals(value.trim().toLowerCase(Locale.ROOT))) {
          return g;
        }
      }
    }
    throw MeshException.invalid("group_by",
      "unknown group_by '" + value + "' (key, backend, model, capability, privacy, day, mode)");
  }
}
