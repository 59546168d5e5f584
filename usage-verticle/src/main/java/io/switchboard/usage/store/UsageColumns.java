package io.switchboard.usage.store;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.ApiKey;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.switchboard.usage.RecordJson;
import io.switchboard.usage.query.UsageCsv;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
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

  /** A result row of whichever client, by position from 0 (a lookup by name costs more than reading the value). */
  interface Row {
    String string(int column);

    /** Null when the column is NULL. */
    Long number(int column);
  }

  /** The columns {@link #record} reads, in its order (the day is left out: it is the time's). */
  static final String RECORD_READ = "request_id, ts_ms, key_id, capability, backend, model, privacy, input_tokens, "
    + "output_tokens, audio_ms, characters, latency_ms, first_byte_ms, cost_micros, status, error_code, route, cache, "
    + "saved_micros, artifacts";

  private UsageColumns() {
  }

  static String day(UsageRecord r) {
    return day(r.time());
  }

  /** The UTC day of {@code t}, as {@code usage_day} holds it (ISO, e.g. 2026-12-05). */
  static String day(Instant t) {
    return DAY.format(t);
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
    return r.route() == null ? null : RecordJson.route(r.route());
  }

  static String cache(UsageRecord r) {
    return r.cache() == null ? null : r.cache().wireName();
  }

  static long savedMicros(UsageRecord r) {
    return Math.round(r.savedUsd() * 1_000_000);
  }

  static String artifacts(UsageRecord r) {
    return r.artifacts().isEmpty() ? null : RecordJson.artifacts(r.artifacts());
  }

  /** A call record's mode ({@code group_by=mode}); null for a request's record. */
  static String voiceMode(UsageRecord r) {
    return r.call() == null ? null : r.call().mode();
  }

  /** 1 when the call fell back to its mode, 0 when not, null for a request's record. */
  static Integer voiceFallback(UsageRecord r) {
    return r.call() == null ? null : r.call().fallbackFrom() == null ? 0 : 1;
  }

  /** A call's own cost (its stages' at list prices) in micro-dollars; null for a request's record. */
  static Long callCostMicros(UsageRecord r) {
    return r.call() == null ? null : Math.round(r.call().costUsd() * 1_000_000);
  }

  /** A row of {@link #RECORD_READ}. The call itself is not kept (only its mode columns): it reads back as null. */
  static UsageRecord record(Row r) {
    String cap = r.string(3);
    String privacy = r.string(6);
    String route = r.string(16);
    String cache = r.string(17);
    Long saved = r.number(18);
    String artifacts = r.string(19);
    return new UsageRecord(r.string(0), Instant.ofEpochMilli(r.number(1)), r.string(2),
      cap == null ? null : Capability.parse(cap), r.string(4), r.string(5),
      privacy == null ? null : Privacy.parse(privacy), r.number(7), r.number(8), r.number(9) / 1000d, r.number(10),
      r.number(11), r.number(12), r.number(13) / 1_000_000d, r.number(14).intValue(), r.string(15),
      route == null ? null : RouteInfo.fromJson(new JsonObject(route)), null,
      cache == null ? null : CacheStatus.parse(cache), saved == null ? 0 : saved / 1_000_000d,
      artifacts == null ? ArtifactRefs.NONE : ArtifactRefs.fromJson(new JsonObject(artifacts)));
  }

  /**
   * A row of {@link #RECORD_READ} as the line {@link UsageCsv#write} gives its record, written from the columns
   * without making the record: the same text to the byte (the route and the CIDs are written as the store keeps
   * them, which is how the record would encode them again).
   */
  static void csv(StringBuilder sb, Row r) {
    UsageCsv.field(sb, r.string(0)).append(',');
    sb.append(Instant.ofEpochMilli(r.number(1))).append(',');
    UsageCsv.field(sb, r.string(2)).append(',');
    UsageCsv.field(sb, r.string(3)).append(',');
    UsageCsv.field(sb, r.string(4)).append(',');
    UsageCsv.field(sb, r.string(5)).append(',');
    UsageCsv.field(sb, r.string(6)).append(',');
    sb.append(r.number(7).longValue()).append(',');
    sb.append(r.number(8).longValue()).append(',');
    sb.append(r.number(9) / 1000d).append(',');
    sb.append(r.number(10).longValue()).append(',');
    sb.append(r.number(11).longValue()).append(',');
    sb.append(r.number(12).longValue()).append(',');
    sb.append(BigDecimal.valueOf(r.number(13) / 1_000_000d).toPlainString()).append(',');
    sb.append(r.number(14).intValue()).append(',');
    UsageCsv.field(sb, r.string(15)).append(',');
    UsageCsv.field(sb, r.string(16)).append(',');
    UsageCsv.field(sb, r.string(17)).append(',');
    Long saved = r.number(18);
    sb.append(BigDecimal.valueOf(saved == null ? 0 : saved / 1_000_000d).toPlainString()).append(',');
    UsageCsv.field(sb, r.string(19)).append("\r\n");
  }

  /** A row of {@link UsageSql#MODE_TOTALS}: the mode, then the sums in their order. */
  static ModeTotals modeTotals(Row r) {
    return new ModeTotals(r.string(0), r.number(1), r.number(2), r.number(3), r.number(4), r.number(5), r.number(6));
  }

  /** A row of {@link UsageSql#TOTALS}: the group, then the sums in their order. */
  static UsageTotals totals(Row r) {
    return new UsageTotals(r.string(0), r.number(1), r.number(2), r.number(3), r.number(4), r.number(5), r.number(6),
      r.number(7));
  }

  /** A row of {@link UsageSql#KEY_COLUMNS}. */
  static StoredKey storedKey(Row r) {
    Long revoked = r.number(5);
    ApiKey key = new ApiKey(r.string(0), r.string(1), Instant.ofEpochMilli(r.number(4)),
      revoked == null ? null : Instant.ofEpochMilli(revoked), KeyLimits.fromJson(new JsonObject(r.string(6))));
    return new StoredKey(key, r.string(2), r.string(3));
  }
}
