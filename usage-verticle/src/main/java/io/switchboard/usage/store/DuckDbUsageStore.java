package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.switchboard.api.ApiKey;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded store: DuckDB in a file, a columnar database in this process, so a single node needs no database server
 * and a usage query reads only the columns it sums. JDBC blocks, so every call runs on the store's own threads, never
 * on an event loop: one writer (inserts, keys, schema) with its connection, and {@link Options#readers} readers with
 * one connection each. DuckDB's memory (its buffer pool, outside the Java heap) is capped by
 * {@link Options#memoryMb}. A ledger of earlier versions (H2) found beside it is imported on the first migration.
 */
public final class DuckDbUsageStore implements LedgerStore, StagingStore {

  /**
   * @param memoryMb     DuckDB's memory limit (its caches, the records not yet checkpointed and query state; past it
   *                     DuckDB spills to a temporary file, or a query fails)
   * @param threads      DuckDB's worker threads for one query
   * @param readers      connections (and threads) answering queries and key lookups at the same time
   * @param checkpointMb the write-ahead log's size at which DuckDB checkpoints (compresses the new records into the
   *                     database file); the records not yet checkpointed are held in memory until then
   * @param settings     further DuckDB settings, by DuckDB's names, given as they are (advanced tuning)
   */
  public record Options(int memoryMb, int threads, int readers, int checkpointMb, Map<String, String> settings) {
  }

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Path path;
  private final Path legacyH2;
  private final DuckDBConnection writerConnection;
  private final List<DuckDBConnection> all = new ArrayList<>();
  private final BlockingQueue<DuckDBConnection> readerConnections;
  private final WorkerExecutor writer;
  private final WorkerExecutor readers;
  /** On the writer thread only, once the schema is there. */
  private DuckDbAppend appender;

  private DuckDbUsageStore(Vertx vertx, Path path, Path legacyH2, Options options) throws SQLException {
    this.path = path;
    this.legacyH2 = legacyH2;
    Properties p = new Properties();
    p.setProperty("memory_limit", options.memoryMb() + "MB");
    p.setProperty("threads", String.valueOf(options.threads()));
    // Every query here orders its output itself; without insertion order DuckDB needs less memory to insert.
    p.setProperty("preserve_insertion_order", "false");
    p.setProperty("wal_autocheckpoint", options.checkpointMb() + "MB");
    options.settings().forEach(p::setProperty);
    writerConnection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + path, p);
    all.add(writerConnection);
    readerConnections = new ArrayBlockingQueue<>(options.readers());
    try {
      writerConnection.setAutoCommit(false);
      for (int i = 0; i < options.readers(); i++) {
        DuckDBConnection r = writerConnection.duplicate();
        all.add(r);
        // Each query its own transaction, so that it sees every batch committed before it.
        r.setAutoCommit(true);
        readerConnections.add(r);
      }
    } catch (SQLException e) {
      all.forEach(DuckDbUsageStore::close);
      throw e;
    }
    int n = INSTANCES.incrementAndGet();
    writer = vertx.createSharedWorkerExecutor("ledger-duckdb-w-" + n, 1);
    readers = vertx.createSharedWorkerExecutor("ledger-duckdb-r-" + n, options.readers());
  }

  /**
   * Opens (or creates) the store in {@code path}; {@code legacyH2} is where an H2 ledger of earlier versions would be
   * (H2 adds {@code .mv.db}), imported by {@link #migrate()} when it is there.
   */
  public static DuckDbUsageStore open(Vertx vertx, Path path, Path legacyH2, Options options) {
    Path abs = path.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
      return new DuckDbUsageStore(vertx, abs, legacyH2, options);
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("cannot open the usage store " + abs + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String kind() {
    return "duckdb";
  }

  public Path path() {
    return path;
  }

  private interface Work<T> {
    T run(DuckDBConnection c) throws Exception;
  }

  /** On the writer thread, in order. */
  private <T> Future<T> write(Work<T> work) {
    return writer.executeBlocking(() -> work.run(writerConnection), true);
  }

  /** On a reader thread, with a connection of its own. */
  private <T> Future<T> read(Work<T> work) {
    return readers.executeBlocking(() -> {
      DuckDBConnection c = readerConnections.take();
      try {
        return work.run(c);
      } finally {
        readerConnections.add(c);
      }
    }, false);
  }

  @Override
  public Future<Void> migrate() {
    return write(c -> {
      DuckDbSchema.migrate(c);
      H2LedgerImport.importIfPresent(c, legacyH2);
      if (appender == null) {
        appender = new DuckDbAppend(c);
      }
      return null;
    });
  }

  @Override
  public Future<List<Integer>> schemaVersions() {
    return read(DuckDbSchema::versions);
  }

  @Override
  public Future<Void> insert(List<UsageRecord> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    return write(c -> migrated().insert(records)).mapEmpty();
  }

  @Override
  public Future<Void> stage(List<UsageRecord> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    return write(c -> migrated().stage(records)).mapEmpty();
  }

  @Override
  public Future<Void> commitStaged() {
    return write(c -> {
      migrated().commit();
      return null;
    });
  }

  private DuckDbAppend migrated() {
    if (appender == null) {
      throw new IllegalStateException("the usage store is not migrated yet");
    }
    return appender;
  }

  /**
   * On the writer thread, a write that commits (a key's): the records staged before it are committed first, so that
   * its rollback touches only itself.
   */
  private <T> Future<T> writeAlone(Work<T> work) {
    return write(c -> {
      if (appender != null) {
        appender.commitBeforeOtherWrite();
      }
      return work.run(c);
    });
  }

  @Override
  public Future<List<UsageTotals>> totals(long fromMs, long toMs, GroupBy groupBy) {
    String text = String.format(UsageSql.TOTALS, groupBy.column(), groupBy.column());
    return read(c -> {
      List<UsageTotals> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(text)) {
        ps.setLong(1, fromMs);
        ps.setLong(2, toMs);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(UsageColumns.totals(columns(rs)));
          }
        }
      }
      out.sort(Comparator.comparing(UsageTotals::group, Comparator.nullsFirst(Comparator.naturalOrder())));
      return out;
    });
  }

  @Override
  public Future<List<ModeTotals>> modeTotals(long fromMs, long toMs) {
    return read(c -> {
      List<ModeTotals> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(UsageSql.MODE_TOTALS)) {
        ps.setLong(1, fromMs);
        ps.setLong(2, toMs);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(UsageColumns.modeTotals(columns(rs)));
          }
        }
      }
      out.sort(Comparator.comparing(ModeTotals::mode));
      return out;
    });
  }

  /**
   * The first {@code limit} records of the window by time: {@link #recordsAfter} from the start.
   */
  @Override
  public Future<List<UsageRecord>> records(long fromMs, long toMs, int limit) {
    return recordsAfter(fromMs, toMs, 0, null, limit);
  }

  @Override
  public Future<List<UsageRecord>> recordsAfter(long fromMs, long toMs, long afterMs, String afterId, int limit) {
    return read(c -> {
      List<UsageRecord> out = new ArrayList<>(Math.min(limit, 10_000));
      try (PreparedStatement ps = DuckDbOrderedRead.statement(c, fromMs, toMs, afterMs, afterId, limit); ResultSet rs = ps.executeQuery()) {
        UsageColumns.Row row = columns(rs);
        while (out.size() < limit && rs.next()) {
          out.add(UsageColumns.record(row));
        }
      }
      return out;
    });
  }

  /**
   * One read for a whole export (in chunks of {@link JdbcCsvCursor#CHUNK}), on a connection of its own (so that the
   * readers stay free for queries and key lookups between its pages), each page read on a reader thread.
   */
  @Override
  public Future<CsvCursor> openExport(long fromMs, long toMs, long afterMs, String afterId, int limit) {
    return openExport(fromMs, toMs, afterMs, afterId, limit, JdbcCsvCursor.CHUNK);
  }

  /** {@link #openExport} in chunks of {@code chunk} records. */
  Future<CsvCursor> openExport(long fromMs, long toMs, long afterMs, String afterId, int limit, int chunk) {
    return read(c -> {
      DuckDBConnection own = (DuckDBConnection) c.duplicate();
      try {
        own.setAutoCommit(true);
      } catch (SQLException e) {
        close(own);
        throw e;
      }
      return new JdbcCsvCursor(own, (conn, ms, id, max) -> DuckDbOrderedRead.statement((DuckDBConnection) conn, fromMs, toMs, ms, id, max),
        afterMs, afterId, limit, chunk, readers, DuckDbUsageStore::columns);
    });
  }

  @Override
  public Future<Long> spentMicros(String keyId, long fromMs, long toMs) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(UsageSql.SPENT)) {
        ps.setString(1, keyId);
        ps.setLong(2, fromMs);
        ps.setLong(3, toMs);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong("spent");
        }
      }
    });
  }

  @Override
  public Future<Long> count() {
    return read(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(UsageSql.COUNT_RECORDS)) {
        rs.next();
        return rs.getLong("n");
      }
    });
  }

  /** DuckDB's own account of its memory, by use, in bytes (outside the Java heap), and what it spilled to disk. */
  public Future<Map<String, Long>> memory() {
    return read(c -> {
      Map<String, Long> out = new LinkedHashMap<>();
      try (Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()")) {
        while (rs.next()) {
          if (rs.getLong(2) > 0) {
            out.put(rs.getString(1), rs.getLong(2));
          }
          if (rs.getLong(3) > 0) {
            out.put(rs.getString(1) + " (spilled to disk)", rs.getLong(3));
          }
        }
      }
      return out;
    });
  }

  /** DuckDB fsyncs its write-ahead log at every commit: a committed batch is already durable. */
  @Override
  public Future<Void> sync() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> insertKey(StoredKey k) {
    ApiKey key = k.key();
    return writeAlone(c -> {
      try (PreparedStatement ps = c.prepareStatement(UsageSql.INSERT_KEY)) {
        ps.setString(1, key.id());
        ps.setString(2, key.name());
        ps.setString(3, k.salt());
        ps.setString(4, k.hash());
        ps.setLong(5, key.createdAt().toEpochMilli());
        if (key.revokedAt() == null) {
          ps.setNull(6, java.sql.Types.BIGINT);
        } else {
          ps.setLong(6, key.revokedAt().toEpochMilli());
        }
        ps.setString(7, key.limits().toJson().encode());
        ps.executeUpdate();
        c.commit();
        return null;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    });
  }

  @Override
  public Future<StoredKey> findKey(String id) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(UsageSql.FIND_KEY)) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? UsageColumns.storedKey(columns(rs)) : null;
        }
      }
    });
  }

  @Override
  public Future<List<StoredKey>> listKeys() {
    return read(c -> {
      List<StoredKey> out = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(UsageSql.LIST_KEYS)) {
        UsageColumns.Row row = columns(rs);
        while (rs.next()) {
          out.add(UsageColumns.storedKey(row));
        }
      }
      return out;
    });
  }

  @Override
  public Future<Boolean> revokeKey(String id, Instant at) {
    return updateKey(UsageSql.REVOKE_KEY, at.toEpochMilli(), id);
  }

  @Override
  public Future<Boolean> updateKeyLimits(String id, KeyLimits limits) {
    return updateKey(UsageSql.UPDATE_KEY_LIMITS, limits.toJson().encode(), id);
  }

  /** Runs one of the key table's updates ({@code sql} sets {@code value} on the unrevoked key {@code id}): true when it changed a row. */
  private Future<Boolean> updateKey(String sql, Object value, String id) {
    return writeAlone(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setObject(1, value);
        ps.setString(2, id);
        int changed = ps.executeUpdate();
        c.commit();
        return changed > 0;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    });
  }

  /** The current row of {@code rs} as {@link UsageColumns} reads it. */
  static UsageColumns.Row columns(ResultSet rs) {
    return new UsageColumns.Row() {
      @Override
      public String string(int column) {
        try {
          return rs.getString(column + 1);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public Long number(int column) {
        try {
          long v = rs.getLong(column + 1);
          return rs.wasNull() ? null : v;
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  @Override
  public Future<Void> close() {
    // On the writer, after the work queued before: each reader connection is closed once its query is done.
    return write(c -> {
      if (appender != null) {
        appender.close();
      }
      closeConnections(all.size() - 1);
      return null;
    }).eventually(writer::close).eventually(readers::close).mapEmpty();
  }

  /** Closes the readers as they come back (at most {@code readers}, waiting up to 30 s for each), then the writer. */
  private void closeConnections(int readers) throws InterruptedException {
    for (int i = 0; i < readers; i++) {
      close(readerConnections.poll(30, TimeUnit.SECONDS));
    }
    close(writerConnection);
  }

  private static void close(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException e) {
      // closing: nothing left to do with it
    }
  }
}
