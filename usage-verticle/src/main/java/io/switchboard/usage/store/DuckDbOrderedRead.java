package io.switchboard.usage.store;

import org.duckdb.DuckDBConnection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The embedded ledger's records read in order of time (then request id) from a point, a page at a time, for
 * {@link DuckDbUsageStore#recordsAfter} and its exports: the statements and how their parameters are set.
 */
final class DuckDbOrderedRead {

  private static final String LAST_TIME = "SELECT ts_ms FROM usage_records WHERE ts_ms >= ? AND ts_ms < ? "
    + "ORDER BY ts_ms LIMIT 1 OFFSET ?";
  private static final String AFTER = "ts_ms >= ? AND ts_ms < ? AND (ts_ms > ? OR (ts_ms = ? AND request_id > ?))";
  private static final String LAST_TIME_AFTER = "SELECT ts_ms FROM usage_records WHERE " + AFTER
    + " ORDER BY ts_ms LIMIT 1 OFFSET ?";
  private static final String COUNT = "SELECT count(*) FROM usage_records WHERE ts_ms >= ? AND ts_ms < ?";
  private static final String COUNT_AFTER = "SELECT count(*) FROM usage_records WHERE " + AFTER;
  private static final String RECORDS_AFTER_UP_TO = "SELECT " + UsageColumns.RECORD_READ + " FROM usage_records WHERE "
    + AFTER + " ORDER BY ts_ms, request_id";
  private static final String RECORDS_UP_TO = "SELECT " + UsageColumns.RECORD_READ
    + " FROM usage_records WHERE ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms, request_id";

  private DuckDbOrderedRead() {
  }

  /**
   * The statement (not yet run) for the records after {@code afterMs}/{@code afterId} (null: from {@code fromMs}), by
   * time then request id, to be read until {@code limit}. Two steps keep DuckDB's memory small whatever the size of
   * the ledger: the time of the {@code limit}-th record first (a top-N of one column: DuckDB's top-N of whole rows
   * over a large ledger runs out of its memory limit), then the rows up to it, sorted (a sort that may spill to disk).
   */
  static PreparedStatement statement(DuckDBConnection c, long fromMs, long toMs, long afterMs, String afterId,
                                     int limit) throws SQLException {
    long last = toMs - 1;
    long count;
    // A limit past the window's records needs no bound (and its top-N would be of the whole window).
    try (PreparedStatement ps = c.prepareStatement(afterId == null ? COUNT : COUNT_AFTER)) {
      window(ps, fromMs, toMs, afterMs, afterId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        count = rs.getLong(1);
      }
    }
    if (count > limit) {
      try (PreparedStatement ps = c.prepareStatement(afterId == null ? LAST_TIME : LAST_TIME_AFTER)) {
        int n = window(ps, fromMs, toMs, afterMs, afterId);
        ps.setInt(n, limit - 1);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            last = rs.getLong(1);
          }
        }
      }
    }
    PreparedStatement ps = c.prepareStatement(afterId == null ? RECORDS_UP_TO : RECORDS_AFTER_UP_TO);
    try {
      if (afterId == null) {
        ps.setLong(1, fromMs);
        ps.setLong(2, last);
      } else {
        window(ps, fromMs, last + 1, afterMs, afterId);
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  /** Sets the window's parameters ({@link #AFTER}'s with {@code afterId}); returns the next parameter's index. */
  private static int window(PreparedStatement ps, long fromMs, long toMs, long afterMs, String afterId) throws SQLException {
    if (afterId == null) {
      ps.setLong(1, fromMs);
      ps.setLong(2, toMs);
      return 3;
    }
    // The page starts at the last one's time: as the lower bound it lets DuckDB skip the row groups before it (the
    // OR below alone reads every row of the window).
    ps.setLong(1, Math.max(fromMs, afterMs));
    ps.setLong(2, toMs);
    ps.setLong(3, afterMs);
    ps.setLong(4, afterMs);
    ps.setString(5, afterId);
    return 6;
  }
}
