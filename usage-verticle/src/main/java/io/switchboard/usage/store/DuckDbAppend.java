package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inserts batches of records into DuckDB, skipping those already stored, each in one transaction on the writer's
 * connection. Records go in through DuckDB's appender (columnar, no SQL per row). Whether a record is stored already
 * is first asked of {@link RecentIds} (what this writer stored lately, and the table's newest time when it started):
 * a new record is certainly new without a query. Only the others (replays, a record older than what it remembers, a
 * hash that matches) are checked in the table: the stored records whose time is one of theirs, within their time
 * span; records arrive in about the order of their time, so DuckDB's per-row-group min/max of {@code ts_ms} leaves one
 * or two row groups to read whatever the size of the ledger, and only true neighbours come back.
 */
final class DuckDbAppend implements AutoCloseable {

  /** A record's identity in the store. */
  private record Id(String requestId, long tsMs) {
  }

  private static final String STORED = "SELECT request_id, ts_ms FROM usage_records "
    + "WHERE ts_ms >= ? AND ts_ms <= ? AND ts_ms IN (SELECT UNNEST(?::BIGINT[]))";
  private static final String NEWEST = "SELECT max(ts_ms) FROM usage_records";
  /** Identities remembered: 8 bytes each (1 MB), about 25 s of records at 5,000 a second. */
  private static final int REMEMBERED = 1 << 17;

  private final DuckDBConnection c;
  private final PreparedStatement stored;
  /** Null until the first insert, and after a failed one (the table's newest time is read again). */
  private RecentIds recent;

  /** {@code c}: the writer's connection, in manual-commit mode. */
  DuckDbAppend(DuckDBConnection c) throws SQLException {
    this.c = c;
    this.stored = c.prepareStatement(STORED);
  }

  /** Stores the records of {@code batch} not stored yet; returns how many it stored. */
  int insert(Iterable<UsageRecord> batch) throws SQLException {
    // The first of each identity in the batch, as PostgreSQL's ON CONFLICT DO NOTHING keeps it.
    Map<Id, UsageRecord> fresh = new LinkedHashMap<>();
    for (UsageRecord r : batch) {
      fresh.putIfAbsent(new Id(r.requestId(), r.time().toEpochMilli()), r);
    }
    if (fresh.isEmpty()) {
      return 0;
    }
    try {
      if (recent == null) {
        recent = new RecentIds(newest(), REMEMBERED);
      }
      dropStored(fresh);
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "usage_records")) {
        for (UsageRecord r : fresh.values()) {
          append(a, r);
        }
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      // Whether the commit took is not known: what is remembered is relearnt from the table before the next insert.
      recent = null;
      c.rollback();
      throw e;
    }
    List<String> ids = new ArrayList<>(fresh.size());
    long[] times = new long[fresh.size()];
    int i = 0;
    for (Id id : fresh.keySet()) {
      ids.add(id.requestId());
      times[i++] = id.tsMs();
    }
    recent.added(ids, times);
    return fresh.size();
  }

  /** Removes from {@code fresh} the records the table has; asks it only about those {@link RecentIds} cannot clear. */
  private void dropStored(Map<Id, UsageRecord> fresh) throws SQLException {
    Set<Long> times = new HashSet<>();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Id id : fresh.keySet()) {
      if (recent.mayBeStored(id.requestId(), id.tsMs())) {
        times.add(id.tsMs());
        lo = Math.min(lo, id.tsMs());
        hi = Math.max(hi, id.tsMs());
      }
    }
    if (times.isEmpty()) {
      return;
    }
    stored.setLong(1, lo);
    stored.setLong(2, hi);
    stored.setArray(3, c.createArrayOf("BIGINT", times.toArray()));
    try (ResultSet rs = stored.executeQuery()) {
      while (rs.next()) {
        fresh.remove(new Id(rs.getString(1), rs.getLong(2)));
      }
    }
  }

  /** The newest time in the table, or Long.MIN_VALUE when it is empty. */
  private long newest() throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(NEWEST)) {
      rs.next();
      long v = rs.getLong(1);
      return rs.wasNull() ? Long.MIN_VALUE : v;
    }
  }

  /** One row in the table's column order ({@link DuckDbSchema}: the first columns, then those added by later steps). */
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
      .append(UsageColumns.voiceMode(r))
      .append(UsageColumns.voiceFallback(r))
      .append(UsageColumns.callCostMicros(r))
      .append(UsageColumns.cache(r))
      .append(UsageColumns.savedMicros(r))
      .append(UsageColumns.artifacts(r))
      .endRow();
  }

  @Override
  public void close() throws SQLException {
    stored.close();
  }
}
