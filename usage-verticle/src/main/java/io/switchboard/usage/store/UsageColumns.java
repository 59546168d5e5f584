package io.switchboard.usage.store;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.keys.ApiKey;
import io.switchboard.usage.keys.KeyLimits;
import io.switchboard.usage.keys.StoredKey;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How a usage record and a key map to the columns every store keeps ({@link UsageSql#RECORD_COLUMNS}), in one place
 * so that the stores agree to the digit: amounts as integers (micro-dollars, milliseconds of audio), the UTC day
 * beside the timestamp, enums by wire name, the route as its JSON.
 */
final class UsageColumns {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

  /** A result row of whichever client: a column by name. */
  interface Row {
    String string(String column);

    /** Null when the column is NULL. */
    Long number(String column);
  }

  private UsageColumns() {
  }

  static String day(UsageRecord r) {
    return DAY.format(r.time());
  }

  static String capability(UsageRecord r) {
    return r.capability() == null ? null : r.capability().wireName();
  }

  static String privacy(UsageRecord r) {
    return r.privacy() == null ? null : r.privacy().wireName();
  }

  static long audioMs(UsageRecord r) {
    return Math.round(r.audioSeconds() * 1000);
  }

  static long costMicros(UsageRecord r) {
    return Math.round(r.costUsd() * 1_000_000);
  }

  static String route(UsageRecord r) {
    return r.route() == null ? null : r.route().toJson().encode();
  }

  static UsageRecord record(Row r) {
    String cap = r.string("capability");
    String privacy = r.string("privacy");
    String route = r.string("route");
    return new UsageRecord(r.string("request_id"), Instant.ofEpochMilli(r.number("ts_ms")), r.string("key_id"),
      cap == null ? null : Capability.parse(cap), r.string("backend"), r.string("model"),
      privacy == null ? null : Privacy.parse(privacy), r.number("input_tokens"), r.number("output_tokens"),
      r.number("audio_ms") / 1000d, r.number("characters"), r.number("latency_ms"), r.number("first_byte_ms"),
      r.number("cost_micros") / 1_000_000d, r.number("status").intValue(), r.string("error_code"),
      route == null ? null : RouteInfo.fromJson(new JsonObject(route)));
  }

  static UsageTotals totals(Row r) {
    return new UsageTotals(r.string("grp"), r.number("requests"), r.number("input_tokens"), r.number("output_tokens"),
      r.number("audio_ms"), r.number("characters"), r.number("cost_micros"), r.number("errors"));
  }

  static StoredKey storedKey(Row r) {
    Long revoked = r.number("revoked_ms");
    ApiKey key = new ApiKey(r.string("id"), r.string("name"), Instant.ofEpochMilli(r.number("created_ms")),
      revoked == null ? null : Instant.ofEpochMilli(revoked), KeyLimits.fromJson(new JsonObject(r.string("limits"))));
    return new StoredKey(key, r.string("salt"), r.string("hash"));
  }
}
