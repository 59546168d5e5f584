package io.switchboard.usage.store;

import io.switchboard.api.ApiKey;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The usage and key store over a Vert.x SQL {@link Pool}: the reactive PostgreSQL pool (and, in the tests, the JDBC
 * pool of the H2 store of earlier versions), which differ only in how they connect, how placeholders are written,
 * which schema steps they take and what {@link #sync()} does.
 */
public abstract class SqlUsageStore implements LedgerStore {

  protected final Pool pool;

  protected SqlUsageStore(Pool pool) {
    this.pool = pool;
  }

  /** The statement in this store's placeholder style. */
  protected abstract String sql(String text);

  /** The schema steps this store applies, in order. */
  protected List<UsageSql.Migration> migrations() {
    return UsageSql.MIGRATIONS;
  }

  @Override
  public Future<Void> migrate() {
    return pool.query(sql(UsageSql.CREATE_SCHEMA_VERSION)).execute()
      .compose(v -> pool.withTransaction(this::migrateFrom))
      // Another node may have applied the same step at the same time: its primary key stops us; look again.
      .recover(e -> pool.withTransaction(this::migrateFrom));
  }

  private Future<Void> migrateFrom(SqlClient tx) {
    return tx.query(sql(UsageSql.CURRENT_VERSION)).execute().compose(rows -> {
      int current = rows.iterator().next().getInteger("v");
      Future<Void> chain = Future.succeededFuture();
      for (UsageSql.Migration m : migrations()) {
        if (m.version() > current) {
          chain = chain.compose(v -> apply(tx, m));
        }
      }
      return chain;
    });
  }

  private Future<Void> apply(SqlClient tx, UsageSql.Migration m) {
    Future<?> chain = Future.succeededFuture();
    for (String statement : m.statements()) {
      chain = chain.compose(v -> tx.query(sql(statement)).execute());
    }
    return chain.compose(v -> tx.preparedQuery(sql(UsageSql.INSERT_VERSION))
      .execute(Tuple.of(m.version(), m.description(), System.currentTimeMillis()))).mapEmpty();
  }

  @Override
  public Future<List<Integer>> schemaVersions() {
    return pool.query(sql(UsageSql.LIST_VERSIONS)).execute().map(rows -> {
      List<Integer> out = new ArrayList<>();
      rows.forEach(r -> out.add(r.getInteger("version")));
      return out;
    });
  }

  @Override
  public Future<Void> insert(List<UsageRecord> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> tuples = new ArrayList<>(records.size());
    records.forEach(r -> tuples.add(tuple(r)));
    return pool.withTransaction(tx -> tx.preparedQuery(sql(UsageSql.INSERT_RECORD)).executeBatch(tuples)).mapEmpty();
  }

  /** A record as {@link UsageSql#INSERT_RECORD} takes it. */
  static Tuple tuple(UsageRecord r) {
    return Tuple.tuple()
      .addString(r.requestId())
      .addLong(r.time().toEpochMilli())
      .addString(UsageColumns.day(r))
      .addString(r.keyId())
      .addString(UsageColumns.capability(r))
      .addString(r.backend())
      .addString(r.model())
      .addString(UsageColumns.privacy(r))
      .addLong(r.inputTokens())
      .addLong(r.outputTokens())
      .addLong(UsageColumns.audioMs(r))
      .addLong(r.characters())
      .addLong(r.latencyMs())
      .addLong(r.firstByteMs())
      .addLong(UsageColumns.costMicros(r))
      .addInteger(r.status())
      .addString(r.errorCode())
      .addString(UsageColumns.route(r))
      .addString(UsageColumns.cache(r))
      .addLong(UsageColumns.savedMicros(r))
      .addString(UsageColumns.artifacts(r))
      .addString(UsageColumns.voiceMode(r))
      .addInteger(UsageColumns.voiceFallback(r))
      .addLong(UsageColumns.callCostMicros(r));
  }

  @Override
  public Future<List<ModeTotals>> modeTotals(long fromMs, long toMs) {
    return pool.preparedQuery(sql(UsageSql.MODE_TOTALS)).execute(Tuple.of(fromMs, toMs)).map(rows -> {
      List<ModeTotals> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(UsageColumns.modeTotals(columns(r)));
      }
      out.sort(Comparator.comparing(ModeTotals::mode));
      return out;
    });
  }

  /** A Vert.x SQL row as {@link UsageColumns} reads it. */
  private static UsageColumns.Row columns(Row r) {
    return new UsageColumns.Row() {
      @Override
      public String string(int column) {
        return r.getString(column);
      }

      @Override
      public Long number(int column) {
        return r.getLong(column);
      }
    };
  }

  @Override
  public Future<List<UsageTotals>> totals(long fromMs, long toMs, GroupBy groupBy) {
    String text = String.format(UsageSql.TOTALS, groupBy.column(), groupBy.column());
    return pool.preparedQuery(sql(text)).execute(Tuple.of(fromMs, toMs)).map(rows -> {
      List<UsageTotals> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(UsageColumns.totals(columns(r)));
      }
      // Sorted here, not in SQL: the two databases order NULLs and collate text differently.
      out.sort(Comparator.comparing(UsageTotals::group, Comparator.nullsFirst(Comparator.naturalOrder())));
      return out;
    });
  }

  @Override
  public Future<List<UsageRecord>> records(long fromMs, long toMs, int limit) {
    return pool.preparedQuery(sql(UsageSql.SELECT_RECORDS)).execute(Tuple.of(fromMs, toMs, limit)).map(rows -> {
      List<UsageRecord> out = new ArrayList<>();
      rows.forEach(r -> out.add(UsageColumns.record(columns(r))));
      return out;
    });
  }

  @Override
  public Future<List<UsageRecord>> recordsAfter(long fromMs, long toMs, long afterMs, String afterId, int limit) {
    if (afterId == null) {
      return records(fromMs, toMs, limit);
    }
    return pool.preparedQuery(sql(UsageSql.SELECT_RECORDS_AFTER))
      .execute(Tuple.of(fromMs, toMs, afterMs, afterMs, afterId, limit)).map(rows -> {
        List<UsageRecord> out = new ArrayList<>();
        rows.forEach(r -> out.add(UsageColumns.record(columns(r))));
        return out;
      });
  }

  /** A cursor over {@link UsageSql#SELECT_RECORDS} (or {@code _AFTER}) with the limit, in a transaction of its own. */
  @Override
  public Future<CsvCursor> openExport(long fromMs, long toMs, long afterMs, String afterId, int limit) {
    Tuple args = afterId == null ? Tuple.of(fromMs, toMs, limit) : Tuple.of(fromMs, toMs, afterMs, afterMs, afterId, limit);
    String text = sql(afterId == null ? UsageSql.SELECT_RECORDS : UsageSql.SELECT_RECORDS_AFTER);
    return pool.getConnection().compose(conn -> conn.begin()
      .compose(tx -> conn.prepare(text).<CsvCursor>map(ps -> new SqlCsvCursor(conn, tx, ps.cursor(args), SqlUsageStore::columns)))
      .onFailure(e -> conn.close()));
  }

  @Override
  public Future<Long> spentMicros(String keyId, long fromMs, long toMs) {
    return pool.preparedQuery(sql(UsageSql.SPENT)).execute(Tuple.of(keyId, fromMs, toMs))
      .map(rows -> rows.iterator().next().getLong("spent"));
  }

  @Override
  public Future<Long> count() {
    return pool.query(sql(UsageSql.COUNT_RECORDS)).execute().map(rows -> rows.iterator().next().getLong("n"));
  }

  @Override
  public Future<Void> insertKey(StoredKey k) {
    ApiKey key = k.key();
    // In a transaction: the JDBC pool leaves a bare statement uncommitted (H2 showed the new key to the one
    // connection that inserted it, and to no other).
    return pool.withTransaction(tx -> tx.preparedQuery(sql(UsageSql.INSERT_KEY)).execute(Tuple.tuple()
        .addString(key.id())
        .addString(key.name())
        .addString(k.salt())
        .addString(k.hash())
        .addLong(key.createdAt().toEpochMilli())
        .addLong(key.revokedAt() == null ? null : key.revokedAt().toEpochMilli())
        .addString(key.limits().toJson().encode())))
      .mapEmpty();
  }

  @Override
  public Future<StoredKey> findKey(String id) {
    return pool.preparedQuery(sql(UsageSql.FIND_KEY)).execute(Tuple.of(id))
      .map(rows -> rows.size() == 0 ? null : UsageColumns.storedKey(columns(rows.iterator().next())));
  }

  @Override
  public Future<List<StoredKey>> listKeys() {
    return pool.query(sql(UsageSql.LIST_KEYS)).execute().map(rows -> {
      List<StoredKey> out = new ArrayList<>();
      rows.forEach(r -> out.add(UsageColumns.storedKey(columns(r))));
      return out;
    });
  }

  @Override
  public Future<Boolean> revokeKey(String id, Instant at) {
    return pool.withTransaction(tx -> tx.preparedQuery(sql(UsageSql.REVOKE_KEY)).execute(Tuple.of(at.toEpochMilli(), id)))
      .map(rows -> rows.rowCount() > 0);
  }

  @Override
  public Future<Boolean> updateKeyLimits(String id, KeyLimits limits) {
    return pool.withTransaction(tx -> tx.preparedQuery(sql(UsageSql.UPDATE_KEY_LIMITS)).execute(Tuple.of(limits.toJson().encode(), id)))
      .map(rows -> rows.rowCount() > 0);
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
