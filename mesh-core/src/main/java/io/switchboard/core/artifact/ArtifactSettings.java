package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.core.config.ConfValues;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code artifacts:} slice of the configuration, defaults beside each key. Nothing is kept unless {@code keep}
 * names its kind. The store is the embedded file store unless a PostgreSQL URL is given ({@code postgres_url}, else
 * the environment's {@code SWITCHBOARD_POSTGRES_URL}, the ledger's database: the tables are the store's own);
 * {@code store: file} forces the embedded one even then.
 */
public record ArtifactSettings(
  Set<ArtifactKind> keep,
  String store,
  Path dataDir,
  int fileWorkers,
  String postgresUrl,
  int postgresPoolSize,
  long maxAgeMs,
  long maxBytes,
  long retentionIntervalMs) {

  public static ArtifactSettings from(JsonObject conf, Map<String, String> env) {
    JsonObject c = conf == null ? new JsonObject() : conf;
    Set<ArtifactKind> keep = EnumSet.noneOf(ArtifactKind.class);
    for (Object k : c.getJsonArray("keep", new JsonArray())) {
      keep.add(ArtifactKind.parse(String.valueOf(k)));
    }
    String store = c.getString("store", "auto").toLowerCase(Locale.ROOT);
    if (!store.equals("auto") && !store.equals("file") && !store.equals("postgresql")) {
      throw new IllegalArgumentException("artifacts.store must be auto, file or postgresql, got '" + store + "'");
    }
    String url = c.getString("postgres_url");
    if (url == null || url.isBlank()) {
      url = env.get("SWITCHBOARD_POSTGRES_URL");
    }
    if (url != null && url.isBlank() || store.equals("file")) {
      url = null;
    }
    if (store.equals("postgresql") && url == null) {
      throw new IllegalArgumentException("artifacts.store is postgresql but neither artifacts.postgres_url nor SWITCHBOARD_POSTGRES_URL is set");
    }
    return new ArtifactSettings(Set.copyOf(keep), url == null ? "file" : "postgresql",
      ConfValues.path(c.getString("data_dir", "~/.cache/switchboard/artifacts")),
      c.getInteger("file_workers", 2),
      url,
      c.getInteger("postgres_pool_size", 4),
      c.getLong("max_age_ms", 30L * 24 * 3600 * 1000),
      c.getLong("max_bytes", 10L << 30),
      c.getLong("retention_interval_ms", 600_000L));
  }

  /** True when artifacts of {@code kind} are stored. */
  public boolean keeps(ArtifactKind kind) {
    return keep.contains(kind);
  }

  @Override
  public String toString() {
    // The URL holds a password: never print it.
    return "ArtifactSettings[keep=" + keep + ", store=" + store + ", dataDir=" + dataDir + ", maxAgeMs=" + maxAgeMs
      + ", maxBytes=" + maxBytes + "]";
  }
}
