package io.switchboard.usage;

import io.switchboard.usage.journal.UsageShipper;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code usage:} slice of the mesh configuration, with its defaults beside each setting. The store is H2 in a
 * file unless a PostgreSQL URL is given ({@code postgres_url}, else the environment's
 * {@code SWITCHBOARD_POSTGRES_URL}); {@code store: h2} forces the embedded store even then.
 */
public record UsageConfig(
  String store,
  Path h2Path,
  String postgresUrl,
  int postgresPoolSize,
  Path journalDir,
  long segmentBytes,
  int commitMaxBatch,
  int maxWaiting,
  UsageShipper.Options shipper,
  long keyCacheTtlMs,
  long revocationTimeoutMs) {

  public static UsageConfig from(JsonObject conf, Map<String, String> env) {
    Path dataDir = path(conf.getString("data_dir", "~/.cache/switchboard/usage"));
    String store = conf.getString("store", "auto").toLowerCase(Locale.ROOT);
    if (!store.equals("auto") && !store.equals("h2") && !store.equals("postgresql")) {
      throw new IllegalArgumentException("usage.store must be auto, h2 or postgresql, got '" + store + "'");
    }
    String url = conf.getString("postgres_url");
    if (url == null || url.isBlank()) {
      url = env.get("SWITCHBOARD_POSTGRES_URL");
    }
    if (url != null && url.isBlank()) {
      url = null;
    }
    if (store.equals("h2")) {
      url = null;
    } else if (store.equals("postgresql") && url == null) {
      throw new IllegalArgumentException("usage.store is postgresql but neither usage.postgres_url nor SWITCHBOARD_POSTGRES_URL is set");
    }
    String h2 = conf.getString("h2_path");
    String journal = conf.getString("journal_dir");
    return new UsageConfig(
      url == null ? "h2" : "postgresql",
      h2 == null ? dataDir.resolve("usage") : path(h2),
      url,
      conf.getInteger("postgres_pool_size", 8),
      journal == null ? dataDir.resolve("journal") : path(journal),
      conf.getLong("segment_bytes", 8L << 20),
      conf.getInteger("commit_max_batch", 4096),
      conf.getInteger("max_waiting", 100_000),
      new UsageShipper.Options(
        conf.getInteger("batch_size", 1000),
        conf.getLong("retry_min_ms", 200L),
        conf.getLong("retry_max_ms", 10_000L),
        conf.getLong("idle_check_ms", 1000L),
        conf.getLong("rotate_bytes", 1L << 20),
        conf.getLong("rotate_age_ms", 60_000L),
        conf.getLong("ship_linger_ms", 100L)),
      conf.getLong("key_cache_ttl_ms", 300_000L),
      conf.getLong("revocation_timeout_ms", 5_000L));
  }

  private static Path path(String p) {
    String s = p.trim();
    if (s.equals("~") || s.startsWith("~/")) {
      s = System.getProperty("user.home") + s.substring(1);
    }
    return Path.of(s).toAbsolutePath();
  }
}
