package io.switchboard.usage.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The embedded store of earlier versions (H2 in a file through the Vert.x JDBC client), kept in the tests only to write
 * the ledgers that {@link H2LedgerImport} must bring into DuckDB: it takes the schema steps of its last release.
 */
public final class H2UsageStore extends SqlUsageStore {

  /** Lower-case identifiers and NULLs sorted as PostgreSQL does, so rows read back by the same names. */
  private static final String MODE = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

  private H2UsageStore(Pool pool) {
    super(pool);
  }

  /** A store in {@code path} (H2 adds {@code .mv.db}); the folder is created when missing. */
  public static H2UsageStore file(Vertx vertx, Path path) {
    Path abs = path.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the usage store folder " + abs.getParent() + ": " + e.getMessage(), e);
    }
    return url(vertx, "jdbc:h2:file:" + abs + MODE);
  }

  /** A store in memory, shared by every pool of this JVM that names it, kept until the JVM exits (tests). */
  public static H2UsageStore memory(Vertx vertx, String name) {
    return url(vertx, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1" + MODE);
  }

  private static H2UsageStore url(Vertx vertx, String jdbcUrl) {
    JDBCConnectOptions connect = new JDBCConnectOptions().setJdbcUrl(jdbcUrl).setUser("sa").setPassword("");
    return new H2UsageStore(JDBCPool.pool(vertx, connect, new PoolOptions().setMaxSize(4).setName("switchboard-usage-h2")));
  }

  @Override
  public String kind() {
    return "h2";
  }

  @Override
  protected String sql(String text) {
    return text;
  }

  /** The schema of the last release that wrote H2 ledgers. */
  @Override
  protected List<UsageSql.Migration> migrations() {
    return UsageSql.MIGRATIONS.subList(0, 2);
  }

  /** H2 writes committed changes to its file lazily; a checkpoint forces them out and syncs the file. */
  @Override
  public Future<Void> sync() {
    return pool.query("CHECKPOINT SYNC").execute().mapEmpty();
  }
}
