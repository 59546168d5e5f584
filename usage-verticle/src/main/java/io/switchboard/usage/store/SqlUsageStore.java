package io.switchboard.usage.store;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.StoredKey;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.keys.KeyStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The usage and key store over any Vert.x SQL {@link Pool}: the JDBC pool (H2) and the reactive PostgreSQL pool
 * speak the same client API, so the two stores differ only in how they connect, how placeholders are written
 * and what {@link #sync()} does.
 */
public abstract class SqlUsageStore implements UsageStore, KeyStore {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

  protected final Pool pool;

  protected SqlUsageStore(Pool pool) {
    this.pool = pool;
  }

  /** The statement in this store's placeholder style. */
  protected abstract String sql(String text);

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
      for (UsageSql.Migration m : UsageSql.MIGRATIONS) {
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

  private static Tuple tuple(UsageRecord r) {
    return Tuple.tuple()
      .addString(r.requestId())
      .addLong(r.time().toEpochMilli())
      .addString(DAY.format(r.time()))
      .addString(r.keyId())
      .addString(r.capability() == null ? null : r.capability().wireName())
      .addString(r.backend())
      .addString(r.model())
      .addString(r.privacy() == null ? null : r.privacy().wireName())
      .addLong(r.inputTokens())
      .addLong(r.outputTokens())
      .addLong(Math.round(r.audioSeconds() * 1000))
      .addLong(r.characters())
      .addLong(r.latencyMs())
      .addLong(r.firstByteMs())
      .addLong(Math.round(r.costUsd() * 1_000_000))
      .addInteger(r.status())
      .addString(r.errorCode())
      .addString(r.route() == null ? null : r.route().toJson().encode())
      .addString(r.cache() == null ? null : r.cache().wireName())
      .addLong(Math.round(r.savedUsd() * 1_000_000))
      .addString(r.artifacts().isEmpty() ? null : r.artifacts().toJson().encode())
      .addString(r.call() == null ? null : r.call().mode())
      .addInteger(r.call() == null ? null : r.call().fallbackFrom() == null ? 0 : 1)
      .addLong(r.call() == null ? null : Math.round(r.call().costUsd() * 1_000_000));
  }

  @Override
  public Future<List<ModeTotals>> modeTotals(long fromMs, long toMs) {
    return pool.preparedQuery(sql(UsageSql.MODE_TOTALS)).execute(Tuple.of(fromMs, toMs)).map(rows -> {
      List<ModeTotals> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new ModeTotals(r.getString("grp"), r.getLong("calls"), r.getLong("call_ms"), r.getLong("audio_ms"),
          r.getLong("cost_micros"), r.getLong("fallbacks"), r.getLong("errors")));
      }
      out.sort(Comparator.comparing(ModeTotals::mode));
      return out;
    });
  }

  @Override
  public Future<List<UsageTotals>> totals(long fromMs, long toMs, GroupBy groupBy) {
    String text = String.format(UsageSql.TOTALS, groupBy.column(), groupBy.column());
    return pool.preparedQuery(sql(text)).execute(Tuple.of(fromMs, toMs)).map(rows -> {
      List<UsageTotals> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new UsageTotals(r.getString("grp"), r.getLong("requests"), r.getLong("input_tokens"),
          r.getLong("output_tokens"), r.getLong("audio_ms"), r.getLong("characters"), r.getLong("cost_micros"),
          r.getLong("errors")));
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
      rows.forEach(r -> out.add(record(r)));
      return out;
    });
  }

  private static UsageRecord record(Row r) {
    String cap = r.getString("capability");
    String privacy = r.getString("privacy");
    String route = r.getString("route");
    String cache = r.getString("cache");
    String artifacts = r.getString("artifacts");
    return new UsageRecord(r.getString("request_id"), Instant.ofEpochMilli(r.getLong("ts_ms")), r.getString("key_id"),
      cap == null ? null : Capability.parse(cap), r.getString("backend"), r.getString("model"),
      privacy == null ? null : Privacy.parse(privacy), r.getLong("input_tokens"), r.getLong("output_tokens"),
      r.getLong("audio_ms") / 1000d, r.getLong("characters"), r.getLong("latency_ms"), r.getLong("first_byte_ms"),
      r.getLong("cost_micros") / 1_000_000d, r.getInteger("status"), r.getString("error_code"),
      route == null ? null : RouteInfo.fromJson(new JsonObject(route)), null,
      cache == null ? null : CacheStatus.parse(cache), r.getLong("saved_micros") / 1_000_000d,
      artifacts == null ? ArtifactRefs.NONE : ArtifactRefs.fromJson(new JsonObject(artifacts)));
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
      .map(rows -> rows.size() == 0 ? null : storedKey(rows.iterator().next()));
  }

  @Override
  public Future<List<StoredKey>> listKeys() {
    return pool.query(sql(UsageSql.LIST_KEYS)).execute().map(rows -> {
      List<StoredKey> out = new ArrayList<>();
      rows.forEach(r -> out.add(storedKey(r)));
      return out;
    });
  }

  @Override
  public Future<Boolean> revokeKey(String id, Instant at) {
    return pool.withTransaction(tx -> tx.preparedQuery(sql(UsageSql.REVOKE_KEY)).execute(Tuple.of(at.toEpochMilli(), id)))
      .map(rows -> rows.rowCount() > 0);
  }

  private static StoredKey storedKey(Row r) {
    Long revoked = r.getLong("revoked_ms");
    ApiKey key = new ApiKey(r.getString("id"), r.getString("name"), Instant.ofEpochMilli(r.getLong("created_ms")),
      revoked == null ? null : Instant.ofEpochMilli(revoked), KeyLimits.fromJson(new JsonObject(r.getString("limits"))));
    return new StoredKey(key, r.getString("salt"), r.getString("hash"));
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
