package io.switchboard.core.artifact;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Opens the store the settings name and keeps retention running on it: every {@code retention_interval_ms} it removes
 * what is older than {@code max_age_ms}, then the oldest beyond {@code max_bytes}. On PostgreSQL every node runs the
 * same idempotent statements; on files each node minds its own directory.
 */
public final class ArtifactStores {

  private static final Logger LOG = Logger.getLogger(ArtifactStores.class.getName());

  private ArtifactStores() {
  }

  public static Future<ArtifactStore> open(Vertx vertx, ArtifactSettings settings) {
    if (settings.store().equals("file")) {
      return FileArtifactStore.open(vertx, settings.dataDir(), settings.fileWorkers()).map(s -> s);
    }
    for (ArtifactStoreProvider provider : ServiceLoader.load(ArtifactStoreProvider.class)) {
      if (provider.store().equals(settings.store())) {
        return provider.open(vertx, settings).map(s -> s);
      }
    }
    return Future.failedFuture(new IllegalStateException("artifacts.store " + settings.store()
      + " needs its module on the class path (artifact-postgres; the mesh-app launcher includes it)"));
  }

  /** Starts the periodic retention; answers the timer id (cancel it before closing the store). */
  public static long scheduleRetention(Vertx vertx, ArtifactStore store, ArtifactSettings settings) {
    return vertx.setPeriodic(settings.retentionIntervalMs(), id ->
      store.retain(settings.maxAgeMs(), settings.maxBytes(), System.currentTimeMillis())
        .onSuccess(removed -> {
          if (!removed.isEmpty()) {
            LOG.info("artifact retention removed " + removed.size() + " artifact(s)");
          }
        })
        .onFailure(e -> LOG.warning("artifact retention failed: " + e.getMessage())));
  }
}
