package io.switchboard.router.limits;

import io.vertx.core.json.JsonObject;

/**
 * A backend's limits from its conf entry ({@code limits: {rpm, tpm, concurrency}}) or an operator's override:
 * requests per minute and tokens per minute across every router of the cluster, and requests in flight from each
 * router. Zero means no limit.
 */
public record Limits(long rpm, long tpm, int concurrency) {

  public static final Limits NONE = new Limits(0, 0, 0);

  public boolean isNone() {
    return rpm == 0 && tpm == 0 && concurrency == 0;
  }

  /** Reads {@code {rpm, tpm, concurrency}}; a bad value is an {@link IllegalArgumentException} naming it. */
  public static Limits fromJson(JsonObject json, String where) {
    if (json == null) {
      return NONE;
    }
    return new Limits(count(json, "rpm", where), count(json, "tpm", where), (int) Math.min(Integer.MAX_VALUE, count(json, "concurrency", where)));
  }

  private static long count(JsonObject json, String key, String where) {
    Object v = json.getValue(key);
    if (v == null) {
      return 0;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException(where + "." + key + " must be a non-negative integer");
    }
    return n.longValue();
  }

  public JsonObject toJson() {
    return new JsonObject().put("rpm", rpm).put("tpm", tpm).put("concurrency", concurrency);
  }
}
