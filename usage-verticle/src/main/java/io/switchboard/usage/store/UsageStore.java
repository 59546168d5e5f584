package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;

import java.util.List;

/**
 * Where usage records end up: H2 in a file by default ({@link H2UsageStore}), PostgreSQL when configured
 * ({@link PgUsageStore}). Both run the same SQL ({@link UsageSql}) and answer identically. Nothing here blocks
 * an event loop.
 */
public interface UsageStore {

  /** {@code h2} or {@code postgresql}. */
  String kind();

  /** Creates the schema or brings it to the latest version; safe to call again, and from several nodes. */
  Future<Void> migrate();

  /** The schema versions applied, in order. */
  Future<List<Integer>> schemaVersions();

  /**
   * Stores, in one transaction, the records whose request id is not stored yet; the others are skipped (a
   * replay or a retried request is harmless).
   */
  Future<Void> insert(List<UsageRecord> records);

  /** Totals per group over {@code [fromMs, toMs)}, sorted by group (null first). */
  Future<List<UsageTotals>> totals(long fromMs, long toMs, GroupBy groupBy);

  /** Voice calls per mode over {@code [fromMs, toMs)} ({@code group_by=mode}), sorted by mode. */
  Future<List<ModeTotals>> modeTotals(long fromMs, long toMs);

  /** Records over {@code [fromMs, toMs)} by time, at most {@code limit}. */
  Future<List<UsageRecord>> records(long fromMs, long toMs, int limit);

  /** What key {@code keyId} spent over {@code [fromMs, toMs)}, in micro-dollars. */
  Future<Long> spentMicros(String keyId, long fromMs, long toMs);

  /** Number of records stored. */
  Future<Long> count();

  /**
   * Makes every committed write survive a crash of this process. PostgreSQL commits are durable already; H2
   * writes its log lazily, so the journal is only deleted after this.
   */
  Future<Void> sync();

  Future<Void> close();
}
