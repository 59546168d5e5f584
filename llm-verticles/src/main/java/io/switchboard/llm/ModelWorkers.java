package io.switchboard.llm;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

/**
 * The end of a backend that runs its model in this process on its own worker pool (ONNX embeddings, Jlama): the model
 * holds native memory and may be mid-run, so it is closed on one of the pool's threads, never on the event loop, and
 * the pool after it.
 */
public final class ModelWorkers {

  private ModelWorkers() {
  }

  /**
   * Closes {@code model} (null: none was loaded) on {@code workers}, then {@code workers} whatever the close did.
   * Null {@code workers}: the backend never started, there is nothing to close.
   */
  public static Future<Void> close(WorkerExecutor workers, AutoCloseable model) {
    if (workers == null) {
      return Future.succeededFuture();
    }
    return workers.executeBlocking(() -> {
      if (model != null) {
        model.close();
      }
      return null;
    }, false).eventually(workers::close).mapEmpty();
  }
}
