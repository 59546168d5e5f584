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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real PostgreSQL store tests run against: {@code SWITCHBOARD_TEST_POSTGRES_URL}, else a throwaway server started
 * with {@code .ci/postgres.sh} (which installs PostgreSQL when missing), so PostgreSQL tests run everywhere and never
 * skip. Each test gets a schema of its own ({@link #freshSchemaUrl}), so concurrent runs never see each other's rows;
 * a test that must stop the server (an outage) starts one of its own ({@link #start(int)}).
 */
public final class TestPostgres {

  private static String sharedUrl;

  private TestPostgres() {
  }

  /** The URL of the shared server, started when needed. */
  public static synchronized String url() {
    if (sharedUrl == null) {
      String env = System.getenv("SWITCHBOARD_TEST_POSTGRES_URL");
      sharedUrl = env != null && !env.isBlank() ? env.trim() : script("start", Map.of());
    }
    return sharedUrl;
  }

  /**
   * Starts (creating when needed) a server of the test's own on {@code port} and its own folder, which the test may
   * stop and start (an outage); answers its URL.
   */
  public static String start(int port) {
    return script("start", ownServer(port));
  }

  /** Stops the server {@link #start(int)} started on {@code port} ({@code pg_ctl stop -m fast}). */
  public static void stop(int port) {
    script("stop", ownServer(port));
  }

  private static Map<String, String> ownServer(int port) {
    return Map.of("SWITCHBOARD_PG_PORT", String.valueOf(port), "SWITCHBOARD_PG_DIR", "/tmp/switchboard-pg-" + port);
  }

  /** Runs {@code .ci/postgres.sh cmd} with {@code env}; its last line of output is the URL. Fails with the script's log. */
  private static String script(String cmd, Map<String, String> env) {
    Path project = Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath();
    Path script = project.resolve(".ci/postgres.sh");
    try {
      Path log = Files.createTempFile("postgres-sh", ".log");
      ProcessBuilder pb = new ProcessBuilder(List.of("bash", script.toString(), cmd)).redirectError(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("'.ci/postgres.sh " + cmd + "' failed; set SWITCHBOARD_TEST_POSTGRES_URL or run it by hand. "
          + "Its log:\n" + Files.readString(log));
      }
      Files.deleteIfExists(log);
      String[] lines = out.split("\n");
      return lines[lines.length - 1].trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + script, e);
    }
  }

  /** A URL of the shared server whose tables live in a new schema (via {@code search_path}). */
  public static String freshSchemaUrl(Vertx vertx) throws Exception {
    return freshSchemaUrl(vertx, url());
  }

  /** {@link #freshSchemaUrl(Vertx)} on the server at {@code base} (one {@link #start(int)} started). */
  public static String freshSchemaUrl(Vertx vertx, String base) throws Exception {
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
