package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;

import java.util.List;

/**
 * Where usage records end up: DuckDB in a file by default ({@link DuckDbUsageStore}), PostgreSQL when configured
 * ({@link PgUsageStore}). Both keep the same columns ({@link UsageColumns}), run the same queries ({@link UsageSql})
 * and answer identically. Nothing here blocks an event loop.
 */
public interface UsageStore {

  /** {@code duckdb} or {@code postgresql}. */
  String kind();

  /** Creates the schema or brings it to the latest version; safe to call again, and from several nodes. */
  Future<Void> migrate();

  /** The schema versions applied, in order. */
  Future<List<Integer>> schemaVersions();

  /**
   * Stores, in one transaction, the records not stored yet; a record is its request id at its time (milliseconds),
   * so a replay or a record sent twice is skipped, while two requests that reused one request id are both kept.
   */
  Future<Void> insert(List<UsageRecord> records);

  /** Totals per group over {@code [fromMs, toMs)}, sorted by group (null first). */
  Future<List<UsageTotals>> totals(long fromMs, long toMs, GroupBy groupBy);

  /** Voice calls per mode over {@code [fromMs, toMs)} ({@code group_by=mode}), sorted by mode. */
  Future<List<ModeTotals>> modeTotals(long fromMs, long toMs);

  /** Records over {@code [fromMs, toMs)} by time, at most {@code limit}. */
  Future<List<UsageRecord>> records(long fromMs, long toMs, int limit);

  /**
   * One page of {@link #records}: the records over {@code [fromMs, toMs)} after the record at time {@code afterMs} with
   * request id {@code afterId} (in the order by time, then request id; {@code afterId} null: from the start), at most
   * {@code limit}. A page at a time keeps an export's memory to one page whatever its length.
   */
  Future<List<UsageRecord>> recordsAfter(long fromMs, long toMs, long afterMs, String afterId, int limit);

  /**
   * Opens the export of the records over {@code [fromMs, toMs)} after the record at {@code afterMs} with request id
   * {@code afterId} ({@code afterId} null: from the start), in the order of {@link #recordsAfter}, at most
   * {@code limit}: one read, its pages taken with {@link CsvCursor#next}, each the same text {@code UsageCsv} writes
   * for the records {@link #recordsAfter} would give. Close it when done.
   */
  Future<CsvCursor> openExport(long fromMs, long toMs, long afterMs, String afterId, int limit);

  /** What key {@code keyId} spent over {@code [fromMs, toMs)}, in micro-dollars. */
  Future<Long> spentMicros(String keyId, long fromMs, long toMs);

  /** Number of records stored. */
  Future<Long> count();

  /**
   * Makes every committed write survive a crash; the journal's segments are deleted only after it. PostgreSQL and
   * DuckDB commits are durable already (DuckDB fsyncs its write-ahead log at each commit).
   */
  Future<Void> sync();

  Future<Void> close();
}
