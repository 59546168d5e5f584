package io.switchboard.core.testkit;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * What a fake upstream saw, as futures a test can wait on: a fake calls {@link #changed()} whenever its state moves
 * (a request arrived, a cancel, a connection closed, a write blocked), and each condition a test registered with
 * {@link #once} is checked then. A test waits for the event itself, not for time to pass. Thread-safe.
 */
public final class Conditions {

  private record Waiting(BooleanSupplier condition, Promise<Void> promise) {
  }

  private final List<Waiting> waiting = new CopyOnWriteArrayList<>();

  /** Completes once {@code condition} holds: at once if it does already, else at the first change that makes it so. */
  public Future<Void> once(BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    Waiting w = new Waiting(condition, promise);
    waiting.add(w);
    check(w);
    return promise.future();
  }

  /** The fake's state changed: completes every condition that now holds. */
  public void changed() {
    waiting.forEach(this::check);
  }

  private void check(Waiting w) {
    if (w.condition().getAsBoolean() && w.promise().tryComplete()) {
      waiting.remove(w);
    }
  }
}
