package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactSettings;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactStoreProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** {@code artifacts.store: postgresql}: large objects in the cluster's PostgreSQL ({@link PgArtifactStore}). */
public final class PgArtifactStoreProvider implements ArtifactStoreProvider {

  @Override
  public String store() {
    return "postgresql";
  }

  @Override
  public Future<? extends ArtifactStore> open(Vertx vertx, ArtifactSettings settings) {
    return PgArtifactStore.connect(vertx, settings.postgresUrl(), settings.postgresPoolSize());
  }
}
