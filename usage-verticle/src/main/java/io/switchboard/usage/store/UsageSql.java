package io.switchboard.usage.store;

import java.util.List;

/**
 * The SQL text the stores share, written once in the subset PostgreSQL and DuckDB (and the H2 of earlier versions)
 * agree on, with {@code ?} placeholders (the PostgreSQL store numbers them). Amounts are stored as integers
 * (micro-dollars, milliseconds of audio) so that sums are exact and identical on every store; the UTC day is stored
 * beside the timestamp so grouping by day needs no date functions, which differ between them. A record is identified
 * by its request id and its time (milliseconds): the same record sent or replayed again is stored once, while two
 * requests that came with the same client-chosen request id are both kept.
 */
final class UsageSql {

  /** One schema step: applied once, in order, recorded in {@code schema_version}. */
  record Migration(int version, String description, List<String> statements) {
  }

  static final String CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version ("
    + "version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL, applied_ms BIGINT NOT NULL)";
  static final String CURRENT_VERSION = "SELECT COALESCE(MAX(version), 0) AS v FROM schema_version";
  static final String INSERT_VERSION = "INSERT INTO schema_version (version, description, applied_ms) VALUES (?, ?, ?)";
  static final String LIST_VERSIONS = "SELECT version FROM schema_version ORDER BY version";

  /** Ordered: never edit a released step, add the next one. */
  static final List<Migration> MIGRATIONS = List.of(
    new Migration(1, "usage records", List.of(
      "CREATE TABLE IF NOT EXISTS usage_records ("
        + "request_id VARCHAR(200) NOT NULL PRIMARY KEY, "
        + "ts_ms BIGINT NOT NULL, "
        + "usage_day VARCHAR(10) NOT NULL, "
        + "key_id VARCHAR(64), "
        + "capability VARCHAR(16), "
        + "backend VARCHAR(200), "
        + "model VARCHAR(200), "
        + "privacy VARCHAR(16), "
        + "input_tokens BIGINT NOT NULL, "
        + "output_tokens BIGINT NOT NULL, "
        + "audio_ms BIGINT NOT NULL, "
        + "characters BIGINT NOT NULL, "
        + "latency_ms BIGINT NOT NULL, "
        + "first_byte_ms BIGINT NOT NULL, "
        + "cost_micros BIGINT NOT NULL, "
        + "status INTEGER NOT NULL, "
        + "error_code VARCHAR(64), "
        + "route VARCHAR)",
      "CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts_ms)",
      "CREATE INDEX IF NOT EXISTS usage_records_key_ts ON usage_records (key_id, ts_ms)")),
    new Migration(2, "api keys", List.of(
      "CREATE TABLE IF NOT EXISTS api_keys ("
        + "id VARCHAR(64) NOT NULL PRIMARY KEY, "
        + "name VARCHAR(200), "
        + "salt VARCHAR(64) NOT NULL, "
        + "hash VARCHAR(128) NOT NULL, "
        + "created_ms BIGINT NOT NULL, "
        + "revoked_ms BIGINT, "
        + "limits VARCHAR NOT NULL)")),
    // Voice calls by mode: the call records' mode, whether the call fell back to it, and the call's own cost (its stages'
    // at list prices; the stage records carry what the key is charged, so cost_micros of a call record stays 0).
    new Migration(3, "voice call modes", List.of(
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_mode VARCHAR(16)",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_fallback INTEGER",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS call_cost_micros BIGINT")),
    new Migration(4, "exact cache and artifacts on usage records", List.of(
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS cache VARCHAR(8)",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS saved_micros BIGINT NOT NULL DEFAULT 0",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS artifacts VARCHAR")),
    // A record is the request id at its time: a client that reuses its x-request-id no longer hides a request from the
    // ledger, and the embedded store can check a batch against the records of its own time span only. Written so that
    // it can run again: a database made by the unmerged ledger branch recorded this step as 3 (before the voice modes
    // took that number), so it gets the voice columns here if step 3 was skipped for it, and its key rebuilt once more.
    new Migration(5, "usage record identity: request id and time", List.of(
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_mode VARCHAR(16)",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_fallback INTEGER",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS call_cost_micros BIGINT",
      "ALTER TABLE usage_records DROP CONSTRAINT IF EXISTS usage_records_pkey",
      "ALTER TABLE usage_records ADD PRIMARY KEY (request_id, ts_ms)")));

  static final String RECORD_COLUMNS = "request_id, ts_ms, usage_day, key_id, capability, backend, model, privacy, "
    + "input_tokens, output_tokens, audio_ms, characters, latency_ms, first_byte_ms, cost_micros, status, error_code, route, "
    + "cache, saved_micros, artifacts";

  /** Insert-if-absent: a record (request id and time) already stored is skipped. */
  static final String INSERT_RECORD = "INSERT INTO usage_records (" + RECORD_COLUMNS + ", voice_mode, voice_fallback, call_cost_micros) "
    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

  /** Voice calls per mode: calls, their minutes, fallbacks, errors and cost (the call records only). */
  static final String MODE_TOTALS = "SELECT voice_mode AS grp, "
    + "COUNT(*) AS calls, "
    + "CAST(COALESCE(SUM(latency_ms), 0) AS BIGINT) AS call_ms, "
    + "CAST(COALESCE(SUM(audio_ms), 0) AS BIGINT) AS audio_ms, "
    + "CAST(COALESCE(SUM(call_cost_micros), 0) AS BIGINT) AS cost_micros, "
    + "CAST(COALESCE(SUM(voice_fallback), 0) AS BIGINT) AS fallbacks, "
    + "CAST(COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors "
    + "FROM usage_records WHERE ts_ms >= ? AND ts_ms < ? AND voice_mode IS NOT NULL GROUP BY voice_mode";

  static final String SELECT_RECORDS = "SELECT " + UsageColumns.RECORD_READ + " FROM usage_records "
    + "WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, request_id LIMIT ?";

  static final String SELECT_RECORDS_AFTER = "SELECT " + UsageColumns.RECORD_READ + " FROM usage_records "
    + "WHERE ts_ms >= ? AND ts_ms < ? AND (ts_ms > ? OR (ts_ms = ? AND request_id > ?)) ORDER BY ts_ms, request_id LIMIT ?";

  static final String SPENT = "SELECT CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS spent FROM usage_records "
    + "WHERE key_id = ? AND ts_ms >= ? AND ts_ms < ?";

  /** Totals per group; {@code %s} is a column from {@link GroupBy}, never caller text. */
  static final String TOTALS = "SELECT %s AS grp, "
    + "COUNT(*) AS requests, "
    + "CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens, "
    + "CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens, "
    + "CAST(COALESCE(SUM(audio_ms), 0) AS BIGINT) AS audio_ms, "
    + "CAST(COALESCE(SUM(characters), 0) AS BIGINT) AS characters, "
    + "CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS cost_micros, "
    + "CAST(COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors "
    + "FROM usage_records WHERE ts_ms >= ? AND ts_ms < ? GROUP BY %s";

  static final String COUNT_RECORDS = "SELECT COUNT(*) AS n FROM usage_records";

  static final String INSERT_KEY = "INSERT INTO api_keys (id, name, salt, hash, created_ms, revoked_ms, limits) "
    + "VALUES (?, ?, ?, ?, ?, ?, ?)";
  static final String KEY_COLUMNS = "id, name, salt, hash, created_ms, revoked_ms, limits";
  static final String FIND_KEY = "SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = ?";
  static final String LIST_KEYS = "SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY created_ms, id";
  static final String REVOKE_KEY = "UPDATE api_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL";
  static final String UPDATE_KEY_LIMITS = "UPDATE api_keys SET limits = ? WHERE id = ? AND revoked_ms IS NULL";

  private UsageSql() {
  }
}
