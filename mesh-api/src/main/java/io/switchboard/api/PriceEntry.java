package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * One model's line in {@code prices.yaml}: list prices by amount ({@link Prices}) and, for backends paid by the
 * hour, a GPU-hour price or a machine's electricity (watts at a price per kWh), with the request duration to
 * assume before any has been measured.
 *
 * @param gpuHourUsd  price of one GPU-hour (a RunPod endpoint)
 * @param watts       power drawn while serving (a local backend), 0 for none
 * @param usdPerKwh   electricity price
 * @param estSeconds  duration of a request assumed for estimates until durations are measured
 */
public record PriceEntry(Prices prices, double gpuHourUsd, double watts, double usdPerKwh, double estSeconds) {

  private static final Set<String> FIELDS = Set.of("input_per_mtok", "output_per_mtok", "per_audio_minute",
    "per_1k_chars", "per_request", "gpu_hour", "watts", "usd_per_kwh", "est_seconds", "gpu", "note");

  /** What one second of serving costs in hourly charges. */
  public double usdPerSecond() {
    return gpuHourUsd / 3600d + watts / 1000d / 3600d * usdPerKwh;
  }

  static PriceEntry fromJson(String where, JsonObject json) {
    for (String f : json.fieldNames()) {
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException("prices: unknown field '" + f + "' in " + where + " (one of " + FIELDS + ")");
      }
    }
    return new PriceEntry(
      new Prices(number(where, json, "input_per_mtok"), number(where, json, "output_per_mtok"),
        number(where, json, "per_audio_minute"), number(where, json, "per_1k_chars"), number(where, json, "per_request")),
      number(where, json, "gpu_hour"), number(where, json, "watts"), number(where, json, "usd_per_kwh"),
      number(where, json, "est_seconds"));
  }

  private static double number(String where, JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      return 0;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0) {
      throw new IllegalArgumentException("prices: " + where + "." + field + " must be a number >= 0, got " + v);
    }
    return n.doubleValue();
  }
}
