package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store of earlier versions (H2 in a file through the Vert.x JDBC client), kept in the tests only to write
 * the ledgers that {@link H2LedgerImport} must bring into DuckDB: it takes the schema steps of its last release.
 */
public final class H2UsageStore extends SqlUsageStore {

  /** Lower-case identifiers and NULLs sorted as PostgreSQL does, so rows read back by the same names. */
  private static final String MODE = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

  /** The record columns of the release's schema (steps 1 and 2). */
  private static final int RELEASE_COLUMNS = 18;
  private static final String INSERT_RELEASE = "INSERT INTO usage_records (request_id, ts_ms, usage_day, key_id, "
    + "capability, backend, model, privacy, input_tokens, output_tokens, audio_ms, characters, latency_ms, first_byte_ms, "
    + "cost_micros, status, error_code, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    + "ON CONFLICT DO NOTHING";

  private final int steps;

  private H2UsageStore(Pool pool, int steps) {
    super(pool);
    this.steps = steps;
  }

  /** A store in {@code path} (H2 adds {@code .mv.db}) at the release's schema; the folder is created when missing. */
  public static H2UsageStore file(Vertx vertx, Path path) {
    return file(vertx, path, 2);
  }

  /**
   * A store in {@code path} at the first {@code steps} schema steps: 2 is the release; 4 is what main's H2 store took
   * before the ledger moved to DuckDB (voice call modes, the exact cache), never released but possible on a node.
   */
  public static H2UsageStore file(Vertx vertx, Path path, int steps) {
    Path abs = path.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the usage store folder " + abs.getParent() + ": " + e.getMessage(), e);
    }
    return url(vertx, "jdbc:h2:file:" + abs + MODE, steps);
  }

  /** A store in memory, shared by every pool of this JVM that names it, kept until the JVM exits (tests). */
  public static H2UsageStore memory(Vertx vertx, String name) {
    return url(vertx, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1" + MODE, 2);
  }

  private static H2UsageStore url(Vertx vertx, String jdbcUrl, int steps) {
    JDBCConnectOptions connect = new JDBCConnectOptions().setJdbcUrl(jdbcUrl).setUser("sa").setPassword("");
    return new H2UsageStore(JDBCPool.pool(vertx, connect, new PoolOptions().setMaxSize(4).setName("switchboard-usage-h2")), steps);
  }

  @Override
  public String kind() {
    return "h2";
  }

  @Override
  protected String sql(String text) {
    return text;
  }

  @Override
  protected List<UsageSql.Migration> migrations() {
    return UsageSql.MIGRATIONS.subList(0, steps);
  }

  /** At the release's schema, the release's columns only. */
  @Override
  public Future<Void> insert(List<UsageRecord> records) {
    if (steps > 2 || records.isEmpty()) {
      return super.insert(records);
    }
    List<Tuple> tuples = new ArrayList<>(records.size());
    for (UsageRecord r : records) {
      Tuple all = tuple(r);
      Tuple release = Tuple.tuple();
      for (int i = 0; i < RELEASE_COLUMNS; i++) {
        release.addValue(all.getValue(i));
      }
      tuples.add(release);
    }
    return pool.withTransaction(tx -> tx.preparedQuery(INSERT_RELEASE).executeBatch(tuples)).mapEmpty();
  }

  /** H2 writes committed changes to its file lazily; a checkpoint forces them out and syncs the file. */
  @Override
  public Future<Void> sync() {
    return pool.query("CHECKPOINT SYNC").execute().mapEmpty();
  }
}
