package io.switchboard.core.http;

import io.vertx.core.MultiMap;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The one reading of how long an upstream asks us to wait: {@code retry-after-ms} (OpenAI's millisecond header)
 * first, else {@code Retry-After} as delta-seconds (fractions allowed, rounded up: never wait less than told) or an
 * HTTP-date (RFC 9110 section 10.2.3), capped at a day so a broken clock cannot park a backend for years.
 *
 * <p>The parser says 0 when the upstream said nothing readable. What a rate limit without a figure means is one
 * decision, {@link #RATE_LIMIT_DEFAULT_MS}, applied by {@link UpstreamErrors} to 429s only.
 */
public final class RetryAfter {

  /**
   * The wait a 429 carries when the upstream gave none (or 0): one second. A 429 means "slow down"; the router cools a
   * rate-limited backend only for a positive wait, so with 0 every concurrent request would be sent straight back
   * to the backend that just refused. One second is the shortest wait that engages that cool-down, and the same
   * first back-off the OpenAI and Anthropic SDKs use. Other statuses carry only what the upstream said.
   */
  public static final long RATE_LIMIT_DEFAULT_MS = 1_000;

  static final long MAX_MS = 24 * 3600 * 1000L;

  private RetryAfter() {
  }

  /** Milliseconds to wait from {@code headers} at {@code nowMs}; 0 when absent or unreadable. */
  public static long ms(MultiMap headers, long nowMs) {
    if (headers == null) {
      return 0;
    }
    Long ms = number(headers.get("retry-after-ms"), 1);
    if (ms == null) {
      ms = ms(headers.get("retry-after"), nowMs);
    }
    return Math.min(MAX_MS, Math.max(0, ms));
  }

  /** One {@code Retry-After} value: delta-seconds or an HTTP-date; 0 when absent or unreadable. */
  public static long ms(String value, long nowMs) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    Long seconds = number(value, 1000);
    if (seconds != null) {
      return Math.min(MAX_MS, Math.max(0, seconds));
    }
    try {
      long at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.min(MAX_MS, Math.max(0, at - nowMs));
    } catch (RuntimeException notADate) {
      return 0;
    }
  }

  private static Long number(String value, long scale) {
    if (value == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(value.trim());
      return Double.isFinite(d) ? (long) Math.ceil(Math.min(d * scale, MAX_MS)) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
