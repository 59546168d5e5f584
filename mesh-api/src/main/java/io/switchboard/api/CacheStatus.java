package io.switchboard.api;

import java.util.Locale;

/**
 * How the exact cache took part in a request, in the {@value #HEADER} HTTP header and the {@value #FIELD} field of a
 * bus reply and usage record: {@code hit} (answered from the cache, no backend called), {@code miss} (looked up, not
 * found, answered by a backend and stored when allowed), {@code bypass} (not looked up: {@code "cache": false},
 * {@code Cache-Control: no-store}, a request that is not deterministic, or the capability's cache is off).
 */
public enum CacheStatus {
  HIT, MISS, BYPASS;

  public static final String HEADER = Headers.CACHE;
  public static final String FIELD = "cache";
  /** Request body field: {@code false} skips the cache, {@code true} opts a chat request in. */
  public static final String REQUEST_FIELD = "cache";

  /** Lower-cased once: it is written on every request (headers, usage records). */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} naming the allowed values. */
  public static CacheStatus parse(String value) {
    return WireNames.parse(CacheStatus.class, value, "cache status");
  }
}
