package io.switchboard.usage.store;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.RecordJson;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Inserts records into DuckDB, skipping those already stored, on the writer's connection: a batch at once
 * ({@link #insert}), or records staged as they come ({@link #stage}, into DuckDB's memory) and committed together later
 * ({@link #commit}). Records go in through DuckDB's appender (columnar, no SQL per row), one for the connection's life: made
 * per batch, its set-up (the table's columns read through JNI) was ~6 % of the insert thread's samples under load. The
 * check for records already stored asks for the stored records whose time is one of the batch's, within the batch's
 * time span: records arrive in about the order of their time, so DuckDB's per-row-group min/max of {@code ts_ms} leaves
 * one or two row groups to read whatever the size of the ledger, and only true neighbours come back. Only the records
 * {@link RecentIds} cannot vouch for are asked about: those it remembers (a replay in the same run) and those older
 * than what it remembers (a replay after a restart); a batch of fresh records runs no query at all.
 */
final class DuckDbAppend implements AutoCloseable {

  /** A record's identity in the store. */
  private record Id(String requestId, long tsMs) {
  }

  /** Identities remembered per generation of {@link RecentIds} (two tables of 64K longs: 1 MB). */
  private static final int RECENT = 16_384;
  private static final String STORED = "SELECT request_id, ts_ms FROM usage_records "
    + "WHERE ts_ms >= ? AND ts_ms <= ? AND ts_ms IN (SELECT UNNEST(?::BIGINT[]))";

  private final DuckDBConnection c;
  private final PreparedStatement stored;
  private final RecentIds recent;
  /** Records asked of the table (not vouched for by {@link #recent}) since start: for tests. */
  private long lookedUp;
  /** Records appended since the last commit. */
  private int staged;
  /** Records staged were rolled back by another write's failure: the next {@link #stage} or {@link #commit} says so. */
  private boolean lost;
  /** Null until the first batch, and after a failed one (whatever it buffered is let go with its transaction). */
  private DuckDBAppender appender;
  /** The last record's UTC day (days since the epoch) and its text: a batch's records nearly all share one. */
  private long epochDay = Long.MIN_VALUE;
  private String dayText;
  /**
   * The last record's route and artifacts with their JSON text: consecutive records mostly share them (one backend, one
   * answer cached), and writing the text anew was the insert thread's largest allocation.
   */
  private final LastText<RouteInfo> route = new LastText<>(RecordJson::route);
  private final LastText<ArtifactRefs> artifacts = new LastText<>(RecordJson::artifacts);

  /** A column's text of the last value it was asked for, given again while the value is equal. */
  private static final class LastText<T> {
    private final Function<T, String> text;
    private T last;
    private String lastText;

    LastText(Function<T, String> text) {
      this.text = text;
    }

    String of(T value) {
      if (value == null) {
        return null;
      }
      if (!value.equals(last)) {
        lastText = text.apply(value);
        last = value;
      }
      return lastText;
    }
  }

  /** {@code c}: the writer's connection, in manual-commit mode. */
  DuckDbAppend(DuckDBConnection c) throws SQLException {
    this(c, RECENT);
  }

  /** {@code remembered}: identities per generation of {@link RecentIds} (tests make it small). */
  DuckDbAppend(DuckDBConnection c, int remembered) throws SQLException {
    this.c = c;
    this.stored = c.prepareStatement(STORED);
    this.recent = new RecentIds(remembered, storedMax(c));
  }

  /** The latest time in the table: every record after it that is stored was stored by this writer. */
  private static long storedMax(DuckDBConnection c) throws SQLException {
    try (PreparedStatement max = c.prepareStatement("SELECT max(ts_ms) FROM usage_records");
         ResultSet rs = max.executeQuery()) {
      long m = rs.next() ? rs.getLong(1) : 0;
      return rs.wasNull() ? Long.MIN_VALUE : m;
    } finally {
      // The writer's connection is in manual-commit mode: end the read's transaction.
      c.commit();
    }
  }

  /** Stores the records of {@code batch} not stored yet, in one transaction; returns how many it stored. */
  int insert(Iterable<UsageRecord> batch) throws SQLException {
    int n = stage(batch);
    commit();
    return n;
  }

  /**
   * Appends the records of {@code batch} not stored or staged yet to the open transaction, where they wait for
   * {@link #commit} in DuckDB's memory (the appender's chunk, then the transaction's own rows), not in the Java heap.
   * A record {@link RecentIds} vouches for goes in at once; the others (a replay, or a hash seen before) are asked of
   * the table after the appender's flush, so that the question also sees the rows staged before them. Returns how many
   * it appended. A failure rolls back everything staged since the last commit.
   */
  int stage(Iterable<UsageRecord> batch) throws SQLException {
    checkNotLost();
    try {
      if (appender == null) {
        appender = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "usage_records");
      }
      int n = 0;
      // The first of each identity, as PostgreSQL's ON CONFLICT DO NOTHING keeps it.
      Map<Id, UsageRecord> doubtful = null;
      for (UsageRecord r : batch) {
        long ts = r.time().toEpochMilli();
        long hash = RecentIds.hash(r.requestId(), ts);
        if (recent.covers(ts) && !recent.mayHold(hash)) {
          append(appender, r);
          // Remembered now, not at the commit: a second record of this identity before it is then asked of the table
          // (which sees this transaction's rows), and one after a rollback too (it is not there: it goes in again).
          recent.add(hash, ts);
          n++;
        } else {
          if (doubtful == null) {
            doubtful = new LinkedHashMap<>();
          }
          doubtful.putIfAbsent(new Id(r.requestId(), ts), r);
        }
      }
      if (doubtful != null) {
        appender.flush();
        dropStored(doubtful);
        for (Map.Entry<Id, UsageRecord> e : doubtful.entrySet()) {
          append(appender, e.getValue());
          recent.add(RecentIds.hash(e.getKey().requestId(), e.getKey().tsMs()), e.getKey().tsMs());
        }
        n += doubtful.size();
      }
      staged += n;
      return n;
    } catch (SQLException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** Commits the records staged since the last commit: from then on they are stored. */
  void commit() throws SQLException {
    checkNotLost();
    try {
      if (appender != null) {
        // Into this transaction: the rows are the table's once it commits.
        appender.flush();
      }
      c.commit();
      staged = 0;
    } catch (SQLException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** Records staged and not committed yet. */
  int staged() {
    return staged;
  }

  /**
   * Commits the records staged so far before another write on the connection (a key's), so that its rollback, should
   * it fail, cannot take them along. When this commit fails, the next {@link #stage} or {@link #commit} fails too:
   * the shipper, which staged them, learns that they are gone.
   */
  void commitBeforeOtherWrite() throws SQLException {
    if (staged == 0) {
      return;
    }
    try {
      commit();
    } catch (SQLException | RuntimeException e) {
      lost = true;
      throw e;
    }
  }

  /** Lets go of the appender and rolls back what was staged (the failing call tells its caller). */
  private void abort() throws SQLException {
    dropAppender();
    staged = 0;
    c.rollback();
  }

  /**
   * Fails (once) when records staged since the last commit were rolled back: the caller stages them again from its
   * copy (the journal).
   */
  private void checkNotLost() throws SQLException {
    if (lost) {
      lost = false;
      throw new SQLException("the usage records staged since the last commit were rolled back");
    }
  }

  /** Removes from {@code doubtful} the records the table holds (committed, or staged in this transaction). */
  private void dropStored(Map<Id, UsageRecord> doubtful) throws SQLException {
    Set<Long> times = new HashSet<>();
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (Id id : doubtful.keySet()) {
      long ts = id.tsMs();
      lookedUp++;
      times.add(ts);
      lo = Math.min(lo, ts);
      hi = Math.max(hi, ts);
    }
    stored.setLong(1, lo);
    stored.setLong(2, hi);
    stored.setArray(3, c.createArrayOf("BIGINT", times.toArray()));
    try (ResultSet rs = stored.executeQuery()) {
      while (rs.next()) {
        doubtful.remove(new Id(rs.getString(1), rs.getLong(2)));
      }
    }
  }

  /** Records asked of the table since start (the rest were known fresh without a query). */
  long lookedUp() {
    return lookedUp;
  }

  /** Closes the appender (what it still buffers goes into the transaction being rolled back) and forgets it. */
  private void dropAppender() {
    if (appender == null) {
      return;
    }
    try {
      appender.close();
    } catch (SQLException | RuntimeException ignored) {
      // the batch failed already; its transaction is rolled back next
    }
    appender = null;
  }

  /** {@code r}'s UTC day as {@link UsageColumns#day} writes it ({@code LocalDate}'s ISO text is the same). */
  private String day(UsageRecord r) {
    long d = Math.floorDiv(r.time().toEpochMilli(), 86_400_000L);
    if (d != epochDay) {
      dayText = dayText(d);
      epochDay = d;
    }
    return dayText;
  }

  /** Day {@code epochDay} since 1970-01-01 as ISO text: {@code LocalDate}'s own, without a formatter's work. */
  static String dayText(long epochDay) {
    return LocalDate.ofEpochDay(epochDay).toString();
  }

  /** One row in the table's column order ({@link DuckDbSchema}: the first columns, then those added by later steps). */
  private void append(DuckDBAppender a, UsageRecord r) throws SQLException {
    a.beginRow()
      .append(r.requestId())
      .append(r.time().toEpochMilli())
      .append(day(r))
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
      .append(route.of(r.route()))
      .append(UsageColumns.voiceMode(r))
      .append(UsageColumns.voiceFallback(r))
      .append(UsageColumns.callCostMicros(r))
      .append(UsageColumns.cache(r))
      .append(UsageColumns.savedMicros(r))
      .append(artifacts.of(r.artifacts().isEmpty() ? null : r.artifacts()))
      .endRow();
  }

  @Override
  public void close() throws SQLException {
    try {
      if (appender != null) {
        appender.close();
        appender = null;
      }
    } finally {
      stored.close();
    }
  }
}
