package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Inserts a batch of records into DuckDB, skipping those already stored, in one transaction on the writer's
 * connection. Records go in through DuckDB's appender (columnar, no SQL per row). The check for records already stored
 * looks only at the batch's time span: records arrive in about the order of their time, so DuckDB's per-row-group
 * min/max of {@code ts_ms} leaves one or two row groups to read whatever the size of the ledger. The batch's keys go
 * through a temporary table of this connection, {@code batch_keys}.
 */
final class DuckDbAppend {

  /** A record's identity in the store. */
  private record Id(String requestId, long tsMs) {
  }

  static final String CREATE_BATCH_KEYS = "CREATE TEMP TABLE IF NOT EXISTS batch_keys (request_id VARCHAR, ts_ms BIGINT)";

  private static final String STORED = "SELECT k.request_id, k.ts_ms FROM batch_keys k WHERE EXISTS ("
    + "SELECT 1 FROM usage_records u WHERE u.ts_ms >= ? AND u.ts_ms <= ? AND u.ts_ms = k.ts_ms AND u.request_id = k.request_id)";

  private DuckDbAppend() {
  }

  /** Stores the records of {@code batch} not stored yet; returns how many it stored. {@code c} is in manual-commit mode. */
  static int insert(DuckDBConnection c, Iterable<UsageRecord> batch) throws SQLException {
    // The first of each identity in the batch, as PostgreSQL's ON CONFLICT DO NOTHING keeps it.
    Map<Id, UsageRecord> fresh = new LinkedHashMap<>();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (UsageRecord r : batch) {
      long ts = r.time().toEpochMilli();
      fresh.putIfAbsent(new Id(r.requestId(), ts), r);
      lo = Math.min(lo, ts);
      hi = Math.max(hi, ts);
    }
    if (fresh.isEmpty()) {
      return 0;
    }
    try {
      for (Id stored : stored(c, fresh.keySet(), lo, hi)) {
        fresh.remove(stored);
      }
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "usage_records")) {
        for (UsageRecord r : fresh.values()) {
          append(a, r);
        }
      }
      c.commit();
      return fresh.size();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    }
  }

  private static Set<Id> stored(DuckDBConnection c, Set<Id> ids, long lo, long hi) throws SQLException {
    try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "batch_keys")) {
      for (Id id : ids) {
        a.beginRow().append(id.requestId()).append(id.tsMs()).endRow();
      }
    }
    Set<Id> out = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(STORED)) {
      ps.setLong(1, lo);
      ps.setLong(2, hi);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Id(rs.getString(1), rs.getLong(2)));
        }
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("DELETE FROM batch_keys");
    }
    return out;
  }

  /** One row in {@link UsageSql#RECORD_COLUMNS} order. */
  static void append(DuckDBAppender a, UsageRecord r) throws SQLException {
    a.beginRow()
      .append(r.requestId())
      .append(r.time().toEpochMilli())
      .append(UsageColumns.day(r))
      .append(r.keyId())
      .append(UsageColumns.capability(r))
      .append(r.backend())
      .append(r.model())
      .append(UsageColumns.privacy(r))
      .append(r.inputTokens())
      .append(r.outputTokens())
      .append(UsageColumns.audioMs(r))
      .append(r.characters())
      .append(r.latencyMs())
      .append(r.firstByteMs())
      .append(UsageColumns.costMicros(r))
      .append(r.status())
      .append(r.errorCode())
      .append(UsageColumns.route(r))
      .endRow();
  }
}
