package io.switchboard.usage.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store's schema steps, recorded in {@code schema_version} as on PostgreSQL. The columns are those of
 * {@link UsageSql}; the one difference is that {@code usage_records} has no primary key: DuckDB keeps a key index in
 * memory in full (it ran out of a 128 MB limit at 1.5 million records), so the identity of a record (request id and
 * time) is checked per batch by {@link DuckDbAppend} instead, over the batch's own time span.
 */
final class DuckDbSchema {

  private static final List<UsageSql.Migration> STEPS = List.of(
    new UsageSql.Migration(1, "usage records", List.of(
      "CREATE TABLE IF NOT EXISTS usage_records ("
        + "request_id VARCHAR NOT NULL, "
        + "ts_ms BIGINT NOT NULL, "
        + "usage_day VARCHAR NOT NULL, "
        + "key_id VARCHAR, "
        + "capability VARCHAR, "
        + "backend VARCHAR, "
        + "model VARCHAR, "
        + "privacy VARCHAR, "
        + "input_tokens BIGINT NOT NULL, "
        + "output_tokens BIGINT NOT NULL, "
        + "audio_ms BIGINT NOT NULL, "
        + "characters BIGINT NOT NULL, "
        + "latency_ms BIGINT NOT NULL, "
        + "first_byte_ms BIGINT NOT NULL, "
        + "cost_micros BIGINT NOT NULL, "
        + "status INTEGER NOT NULL, "
        + "error_code VARCHAR, "
        + "route VARCHAR)")),
    new UsageSql.Migration(2, "api keys", List.of(
      "CREATE TABLE IF NOT EXISTS api_keys ("
        + "id VARCHAR NOT NULL PRIMARY KEY, "
        + "name VARCHAR, "
        + "salt VARCHAR NOT NULL, "
        + "hash VARCHAR NOT NULL, "
        + "created_ms BIGINT NOT NULL, "
        + "revoked_ms BIGINT, "
        + "limits VARCHAR NOT NULL)")),
    new UsageSql.Migration(3, "ledgers imported from earlier stores", List.of(
      "CREATE TABLE IF NOT EXISTS ledger_imports ("
        + "source VARCHAR NOT NULL PRIMARY KEY, "
        + "records BIGINT NOT NULL, "
        + "keys BIGINT NOT NULL, "
        + "imported_ms BIGINT NOT NULL)")),
    // The columns of PostgreSQL's steps 3 and 4 (voice call modes; the exact cache and artifacts), in that order: the
    // appender writes by position. DuckDB adds no constraint with a column, so saved_micros has its default only.
    new UsageSql.Migration(4, "voice call modes", List.of(
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_mode VARCHAR",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS voice_fallback INTEGER",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS call_cost_micros BIGINT")),
    new UsageSql.Migration(5, "exact cache and artifacts on usage records", List.of(
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS cache VARCHAR",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS saved_micros BIGINT DEFAULT 0",
      "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS artifacts VARCHAR")));

  private DuckDbSchema() {
  }

  /** Applies the steps not applied yet, each in its own transaction; {@code c} is in manual-commit mode. */
  static void migrate(Connection c) throws SQLException {
    migrate(c, STEPS.size());
  }

  /** As {@link #migrate(Connection)}, up to step {@code last} only (the tests make the databases of earlier versions). */
  static void migrate(Connection c, int last) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(UsageSql.CREATE_SCHEMA_VERSION);
      c.commit();
      int current;
      try (ResultSet rs = s.executeQuery(UsageSql.CURRENT_VERSION)) {
        rs.next();
        current = rs.getInt("v");
      }
      for (UsageSql.Migration m : STEPS) {
        if (m.version() <= current || m.version() > last) {
          continue;
        }
        try {
          for (String statement : m.statements()) {
            s.execute(statement);
          }
          try (PreparedStatement v = c.prepareStatement(UsageSql.INSERT_VERSION)) {
            v.setInt(1, m.version());
            v.setString(2, m.description());
            v.setLong(3, System.currentTimeMillis());
            v.executeUpdate();
          }
          c.commit();
        } catch (SQLException e) {
          c.rollback();
          throw e;
        }
      }
    }
  }

  static List<Integer> versions(Connection c) throws SQLException {
    List<Integer> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(UsageSql.LIST_VERSIONS)) {
      while (rs.next()) {
        out.add(rs.getInt("version"));
      }
    }
    return out;
  }
}
