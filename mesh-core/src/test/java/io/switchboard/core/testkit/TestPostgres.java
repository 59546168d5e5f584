package io.switchboard.core.testkit;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real PostgreSQL store tests run against: {@code SWITCHBOARD_TEST_POSTGRES_URL}, else a throwaway server started
 * with {@code .ci/postgres.sh} (which installs PostgreSQL when missing), so PostgreSQL tests run everywhere and never
 * skip. Each test gets a schema of its own ({@link #freshSchemaUrl}), so concurrent runs never see each other's rows.
 */
public final class TestPostgres {

  private static String sharedUrl;

  private TestPostgres() {
  }

  public static synchronized String url() {
    if (sharedUrl == null) {
      String env = System.getenv("SWITCHBOARD_TEST_POSTGRES_URL");
      sharedUrl = env != null && !env.isBlank() ? env.trim() : startWithScript();
    }
    return sharedUrl;
  }

  private static String startWithScript() {
    Path project = Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath();
    Path script = project.resolve(".ci/postgres.sh");
    try {
      Path log = Files.createTempFile("postgres-sh", ".log");
      Process p = new ProcessBuilder(List.of("bash", script.toString(), "start")).redirectError(log.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("'.ci/postgres.sh start' failed; set SWITCHBOARD_TEST_POSTGRES_URL or run it by hand. Its log:\n"
          + Files.readString(log));
      }
      Files.deleteIfExists(log);
      String[] lines = out.split("\n");
      return lines[lines.length - 1].trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting PostgreSQL", e);
    }
  }

  /** A URL of the shared server whose tables live in a new schema (via {@code search_path}). */
  public static String freshSchemaUrl(Vertx vertx) throws Exception {
    String base = url();
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    execute(vertx, base, "CREATE SCHEMA " + schema);
    return base + (base.contains("?") ? "&" : "?") + "search_path=" + schema;
  }

  /** Drops the schema {@link #freshSchemaUrl} made (large objects are not in a schema: a test unlinks its own first). */
  public static void dropSchema(Vertx vertx, String url) throws Exception {
    String schema = url.substring(url.indexOf("search_path=") + "search_path=".length());
    execute(vertx, url.substring(0, url.indexOf('?')), "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  /** Runs one statement on {@code url}. */
  public static void execute(Vertx vertx, String url, String sql) throws Exception {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    try {
      pool.query(sql).execute().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
  }
}
