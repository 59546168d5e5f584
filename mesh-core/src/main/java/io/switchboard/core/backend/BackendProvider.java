package io.switchboard.core.backend;

import io.vertx.core.Vertx;

/**
 * Makes backends of one adapter {@link #type()} from their configuration. Found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.switchboard.core.backend.BackendProvider}), so a module adds adapters without the
 * launcher knowing their classes.
 */
public interface BackendProvider {

  /** The {@code type} value of conf entries this provider handles, e.g. {@code openai-compatible}. */
  String type();

  /** Builds the backend; throws {@link BackendUnavailableException} with the reason when it cannot run here. */
  Backend create(Vertx vertx, BackendConfig config);
}
