package io.switchboard.core.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Reads one checked value from a conf section, with its default beside it: a missing key is the default, a value of
 * the wrong kind or out of range is an {@link IllegalArgumentException} naming its path ({@code where.key}), so a
 * mistyped conf stops the node at start with the place to fix.
 */
public final class ConfValues {

  private ConfValues() {
  }

  /** A number above zero (fractions are cut). */
  public static long positive(JsonObject json, String key, long fallback, String where) {
    Object v = checked(json, key, where, x -> x instanceof Number n && n.longValue() > 0, "a positive integer");
    return v == null ? fallback : ((Number) v).longValue();
  }

  /** A number of zero or more (fractions are cut). */
  public static long nonNegative(JsonObject json, String key, long fallback, String where) {
    Object v = checked(json, key, where, x -> x instanceof Number n && n.longValue() >= 0, "a non-negative integer");
    return v == null ? fallback : ((Number) v).longValue();
  }

  /** A number from 0 to 1. */
  public static double fraction(JsonObject json, String key, double fallback, String where) {
    Object v = checked(json, key, where, x -> x instanceof Number n && !(n.doubleValue() < 0 || n.doubleValue() > 1),
      "a number between 0 and 1");
    return v == null ? fallback : ((Number) v).doubleValue();
  }

  /** {@code true} or {@code false}. */
  public static boolean bool(JsonObject json, String key, boolean fallback, String where) {
    Object v = checked(json, key, where, x -> x instanceof Boolean, "true or false");
    return v == null ? fallback : (Boolean) v;
  }

  /** A file or directory from conf, absolute: {@code ~} and {@code ~/...} are under the user's home. */
  public static Path path(String p) {
    String s = p.trim();
    if (s.equals("~") || s.startsWith("~/")) {
      s = System.getProperty("user.home") + s.substring(1);
    }
    return Path.of(s).toAbsolutePath();
  }

  /** The value at {@code key}, or null when there is none; one that {@code valid} refuses is an error. */
  private static Object checked(JsonObject json, String key, String where, Predicate<Object> valid, String must) {
    Object v = json.getValue(key);
    if (v != null && !valid.test(v)) {
      throw new IllegalArgumentException(where + "." + key + " must be " + must);
    }
    return v;
  }
}
