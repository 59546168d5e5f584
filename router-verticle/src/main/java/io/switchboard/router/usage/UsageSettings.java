package io.switchboard.router.usage;

import io.switchboard.api.UsageDurability;
import io.switchboard.core.config.ConfValues;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * How the request path uses the usage ledger, from the mesh conf's {@code usage:} and {@code auth:} sections. The
 * ledger's own settings (store, journal) are the usage verticle's ({@code UsageConfig} in usage-verticle).
 *
 * @param enabled         {@code usage.enabled}: records, keys and budgets on the request path. Without a
 *                        {@code usage:} section at all (a conf built in code) it is off.
 * @param durableAnswers  a request is answered only once a usage verticle confirms its record, at the durability that
 *                        ledger is set to ({@code usage.durability}: {@code process} by default, {@code machine});
 *                        false with {@code usage.durability: none} (or the deprecated {@code durable_answers: false})
 * @param recordTimeoutMs {@code usage.record_timeout_ms} (2000): how long an answer waits for that; past it the
 *                        answer goes out and the record is counted lost
 * @param localLedger     {@code usage.local_ledger} (true): this node runs a usage verticle when it runs a router;
 *                        false sends the records over the cluster bus to one elsewhere
 * @param pricesFile      {@code usage.prices_file}: the price table; null means {@code prices.yaml} beside the conf
 * @param requireKeys     {@code auth.require_keys} (false; env {@code SWITCHBOARD_REQUIRE_KEYS} overrides): HTTP
 *                        requests without a valid API key are refused with 401
 */
public record UsageSettings(boolean enabled, boolean durableAnswers, long recordTimeoutMs, boolean localLedger,
                            String pricesFile, boolean requireKeys) {

  public static final UsageSettings OFF = new UsageSettings(false, false, 2000, false, null, false);

  /** Reads the two sections of the whole mesh conf; a bad value is an {@link IllegalArgumentException} naming it. */
  public static UsageSettings of(JsonObject meshConfig, Map<String, String> env) {
    Object u = meshConfig.getValue("usage");
    Object a = meshConfig.getValue("auth");
    if (u != null && !(u instanceof JsonObject)) {
      throw new IllegalArgumentException("usage must be a map");
    }
    if (a != null && !(a instanceof JsonObject)) {
      throw new IllegalArgumentException("auth must be a map");
    }
    JsonObject usage = (JsonObject) u;
    JsonObject auth = a == null ? new JsonObject() : (JsonObject) a;
    boolean requireKeys = ConfValues.bool(auth, "require_keys", false, "auth");
    String fromEnv = env.get("SWITCHBOARD_REQUIRE_KEYS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      requireKeys = switch (fromEnv.trim().toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw new IllegalArgumentException("SWITCHBOARD_REQUIRE_KEYS must be true or false, got '" + fromEnv + "'");
      };
    }
    if (usage == null) {
      return new UsageSettings(false, false, 2000, false, null, requireKeys);
    }
    Object timeout = usage.getValue("record_timeout_ms", 2000);
    if (!(timeout instanceof Number n) || n.longValue() <= 0) {
      throw new IllegalArgumentException("usage.record_timeout_ms must be a positive number of milliseconds");
    }
    Object prices = usage.getValue("prices_file");
    if (prices != null && !(prices instanceof String)) {
      throw new IllegalArgumentException("usage.prices_file must be a path");
    }
    boolean waitForRecord = UsageDurability.fromConf(usage) != UsageDurability.NONE;
    return new UsageSettings(ConfValues.bool(usage, "enabled", true, "usage"), waitForRecord,
      ((Number) timeout).longValue(), ConfValues.bool(usage, "local_ledger", true, "usage"), (String) prices, requireKeys);
  }

  /** The settings as the web verticle's conf carries them ({@link #fromJson}). */
  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("durable_answers", durableAnswers)
      .put("record_timeout_ms", recordTimeoutMs).put("local_ledger", localLedger).put("prices_file", pricesFile)
      .put("require_keys", requireKeys);
  }

  public static UsageSettings fromJson(JsonObject json) {
    if (json == null) {
      return OFF;
    }
    return new UsageSettings(json.getBoolean("enabled", false), json.getBoolean("durable_answers", true),
      json.getLong("record_timeout_ms", 2000L), json.getBoolean("local_ledger", true), json.getString("prices_file"),
      json.getBoolean("require_keys", false));
  }
}
