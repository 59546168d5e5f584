package io.switchboard.core.artifact;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A shared artifact store kept in its own module, found with {@link java.util.ServiceLoader} (as backends are), so that
 * mesh-core and everything built on it compile against no database client. The embedded file store needs none and
 * is opened directly; {@code artifacts.store: postgresql} is served by the {@code artifact-postgres} module.
 */
public interface ArtifactStoreProvider {

  /** The {@code artifacts.store} value this provider serves, e.g. {@code postgresql}. */
  String store();

  /** Opens the store (creating its tables when needed). */
  Future<? extends ArtifactStore> open(Vertx vertx, ArtifactSettings settings);
}
