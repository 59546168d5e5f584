package io.switchboard.llm.jlama;

import io.switchboard.api.MeshException;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lets a producer on a worker thread write into a {@link ChunkPipe}, which belongs to the request's context: every
 * call hops there with {@code runOnContext}, in order. Back-pressure: one write is in flight at a time, and while the
 * pipe is full the producer waits (cancellation wakes it), so a caller that pulls slowly slows generation instead of
 * piling chunks up in memory.
 */
final class PipeFeeder<T> {

  private final Context context;
  private final ChunkPipe<T> pipe;
  private final Semaphore turn = new Semaphore(1);

  /** Must be created on {@code context}. */
  PipeFeeder(Context context, ChunkPipe<T> pipe) {
    this.context = context;
    this.pipe = pipe;
    pipe.cancelHandler(turn::release);
  }

  boolean isCancelled() {
    return pipe.isCancelled();
  }

  /** Worker side: waits for its turn (or cancellation), then hands {@code item} to the context. */
  void write(T item) {
    if (!awaitTurn()) {
      return;
    }
    context.runOnContext(v -> {
      pipe.write(item);
      if (pipe.writeQueueFull()) {
        pipe.drainHandler(turn::release);
      } else {
        turn.release();
      }
    });
  }

  void end(JsonObject trailer) {
    context.runOnContext(v -> pipe.end(trailer));
  }

  void fail(Throwable error) {
    MeshException e = MeshException.from(error);
    context.runOnContext(v -> pipe.fail(e));
  }

  private boolean awaitTurn() {
    try {
      while (!turn.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        if (pipe.isCancelled()) {
          return false;
        }
      }
      return !pipe.isCancelled();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
