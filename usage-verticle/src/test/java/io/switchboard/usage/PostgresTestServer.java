package io.switchboard.usage;

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
 * The real PostgreSQL the store tests run against. {@code SWITCHBOARD_TEST_POSTGRES_URL} names one; without it
 * the test starts a throwaway server itself with {@code .ci/postgres.sh} (which installs PostgreSQL from Debian
 * packages when missing), so the PostgreSQL tests run everywhere and never skip. The outage test gets a server of
 * its own (another port and folder) that it may stop and start.
 */
public final class PostgresTestServer {

  public static final int OUTAGE_PORT = 55433;

  private static String sharedUrl;

  private PostgresTestServer() {
  }

  /** The URL of the shared test server, started when needed. */
  public static synchronized String url() {
    if (sharedUrl == null) {
      String env = System.getenv("SWITCHBOARD_TEST_POSTGRES_URL");
      sharedUrl = env != null && !env.isBlank() ? env.trim() : script("start", Map.of());
    }
    return sharedUrl;
  }

  /** Starts (creating when needed) the server on {@code port}; answers its URL. */
  public static String start(int port) {
    return script("start", env(port));
  }

  /** Stops the server on {@code port} (pg_ctl stop -m fast). */
  public static void stop(int port) {
    script("stop", env(port));
  }

  private static Map<String, String> env(int port) {
    return Map.of("SWITCHBOARD_PG_PORT", String.valueOf(port), "SWITCHBOARD_PG_DIR", "/tmp/switchboard-pg-" + port);
  }

  /** Runs {@code .ci/postgres.sh cmd}; its last line of output is the URL. Fails the test with the script's log. */
  private static String script(String cmd, Map<String, String> env) {
    Path project = Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath();
    Path script = project.resolve(".ci/postgres.sh");
    if (!Files.exists(script)) {
      throw new IllegalStateException("PostgreSQL tests need " + script + " (or SWITCHBOARD_TEST_POSTGRES_URL): run .ci/postgres.sh");
    }
    try {
      Path log = Files.createTempFile("postgres-sh", ".log");
      ProcessBuilder pb = new ProcessBuilder(List.of("bash", script.toString(), cmd)).redirectError(log.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("'.ci/postgres.sh " + cmd + "' failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
          + "); set SWITCHBOARD_TEST_POSTGRES_URL or run .ci/postgres.sh by hand. Its log:\n" + Files.readString(log));
      }
      Files.deleteIfExists(log);
      String[] lines = out.split("\n");
      return lines[lines.length - 1].trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run .ci/postgres.sh: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running .ci/postgres.sh", e);
    }
  }

  /**
   * A URL of the shared server whose tables live in a new schema of their own (via {@code search_path}), so
   * concurrent test runs on one machine never see each other's rows.
   */
  public static String freshSchemaUrl(Vertx vertx) throws Exception {
    return freshSchemaUrl(vertx, url());
  }

  /** {@link #freshSchemaUrl(Vertx)} on the server at {@code base}. */
  public static String freshSchemaUrl(Vertx vertx, String base) throws Exception {
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(base)).using(vertx).build();
    try {
      pool.query("CREATE SCHEMA " + schema).execute().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
    return base + (base.contains("?") ? "&" : "?") + "search_path=" + schema;
  }

  /** Drops the schema a {@link #freshSchemaUrl} made. */
  public static void dropSchema(Vertx vertx, String url) throws Exception {
    String schema = url.substring(url.indexOf("search_path=") + "search_path=".length());
    String base = url.substring(0, url.indexOf('?'));
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(base)).using(vertx).build();
    try {
      pool.query("DROP SCHEMA IF EXISTS " + schema + " CASCADE").execute().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
  }
}
