package io.switchboard.core.backend;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Health;
import io.vertx.core.Future;

import java.util.List;

/**
 * A provider adapter or local engine, given its collaborators in its constructor. A backend serves one or more
 * capabilities by also implementing {@link ChatBackend}, {@link EmbeddingBackend}, {@link TranscriptionBackend}
 * or {@link SpeechBackend}; {@link BackendVerticle} wires it to the bus.
 */
public interface Backend {

  /** What this backend announces (the verticle fills in the instance id and health). */
  BackendDescriptor descriptor();

  /** Loads models, opens clients. Blocking work goes to a worker, never the event loop. */
  default Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Releases what {@link #start()} took. */
  default Future<Void> stop() {
    return Future.succeededFuture();
  }

  /**
   * The backend's health now. Called on every heartbeat, so an expensive probe (a cloud endpoint) caches its
   * result and refreshes at its own interval.
   */
  default Future<Health> health() {
    return Future.succeededFuture(Health.UP);
  }

  /**
   * What the upstream of a pass-through backend (no {@code models} in its conf: it serves any name) lists as its models,
   * as last seen; announced with every heartbeat for {@code GET /v1/models}, never used for routing. Read on the
   * heartbeat, so it must not call out: a backend refreshes the list with its health probe. Empty by default.
   */
  default List<String> listedModels() {
    return List.of();
  }
}
