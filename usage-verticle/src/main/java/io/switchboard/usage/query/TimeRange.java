package io.switchboard.usage.query;

import io.switchboard.api.MeshException;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The {@code [from, to)} window of a usage query, in epoch milliseconds. Each bound may be an ISO instant
 * ({@code 2026-11-21T10:00:00Z}), a UTC date ({@code 2026-11-21}, its midnight) or epoch milliseconds; a missing
 * {@code from} means the beginning, a missing {@code to} means no end.
 */
record TimeRange(long fromMs, long toMs) {

  static TimeRange parse(Object from, Object to) {
    long f = from == null ? 0 : bound("from", from);
    long t = to == null ? Long.MAX_VALUE : bound("to", to);
    if (t < f) {
      throw MeshException.invalid("to", "'to' (" + to + ") is before 'from' (" + from + ")");
    }
    return new TimeRange(f, t);
  }

  private static long bound(String name, Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    String s = v.toString().trim();
    try {
      if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      if (s.matches("-?\\d+")) {
        return Long.parseLong(s);
      }
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeParseException | NumberFormatException e) {
      throw MeshException.invalid(name, "'" + name + "' must be an ISO instant, a date (YYYY-MM-DD) or epoch milliseconds, got '" + s + "'");
    } catch (ArithmeticException e) { // an instant Instant can hold but epoch milliseconds cannot (past ±292 million years)
      throw MeshException.invalid(name, "'" + name + "' is out of range (more than 292 million years from 1970), got '" + s + "'");
    }
  }
}
