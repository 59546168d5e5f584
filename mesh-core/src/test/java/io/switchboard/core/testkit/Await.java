package io.switchboard.core.testkit;

import io.switchboard.api.MeshException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test kit's one blocking wait, for test code on a plain thread (never on an event loop): a future's result or
 * its failure within a bound, so a test that goes wrong fails with a message instead of hanging the build. Tests that
 * run inside Vert.x use {@code VertxTestContext} and {@code Checkpoint} instead; fakes signal what they saw as
 * futures ({@link Conditions}) so tests wait for the event, not for time.
 */
public final class Await {

  /** Long enough for a loaded shared machine, short enough that a hang fails the test. */
  public static final long SECONDS = 30;

  private Await() {
  }

  /** The result of {@code future}; its failure is rethrown as an {@link AssertionError} carrying it. */
  public static <T> T await(Future<T> future) {
    return await(future, SECONDS);
  }

  /** Like {@link #await(Future)} with a longer bound, for set-up that is slow by nature (loading a model). */
  public static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within " + seconds + " s", e);
    } catch (Throwable t) {
      throw new AssertionError("future failed: " + t, t);
    }
  }

  /**
   * Runs {@code task} on {@code context} (where the code under test expects to be called) and waits for it; what it
   * throws fails the test.
   */
  public static void on(Context context, Runnable task) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        task.run();
        done.complete();
      } catch (Throwable t) {
        done.fail(t);
      }
    });
    await(done.future());
  }

  /** The failure of {@code future}, which must fail with a {@link MeshException}. */
  public static MeshException failure(Future<?> future) {
    return failure(future, MeshException.class);
  }

  /** The failure of {@code future}, which must fail with a {@code type}. */
  public static <E extends Throwable> E failure(Future<?> future, Class<E> type) {
    Object value;
    try {
      value = future.await(SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within " + SECONDS + " s", e);
    } catch (Throwable t) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      throw new AssertionError("expected a " + type.getSimpleName() + ", failed with " + t, t);
    }
    return fail("expected a failure, got " + value);
  }

  /** The next item of {@code queue} (what a fake or a handler saw), waiting for it {@code SECONDS} at most. */
  public static <T> T next(BlockingQueue<T> queue, String what) {
    try {
      T item = queue.poll(SECONDS, TimeUnit.SECONDS);
      if (item == null) {
        fail("no " + what + " within " + SECONDS + " s");
      }
      return item;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    }
  }

  /**
   * Polls {@code condition} until it holds, for {@code SECONDS} at most: only for states nothing can call the test
   * back on (a process of the operating system gone, a file written by a child process).
   */
  public static void until(String what, BooleanSupplier condition) {
    until(what, TimeUnit.SECONDS.toMillis(SECONDS), condition);
  }

  /** {@link #until(String, BooleanSupplier)} for {@code timeoutMs} (a local model's work on a loaded machine). */
  public static void until(String what, long timeoutMs, BooleanSupplier condition) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        fail("timed out waiting until " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }

  /**
   * Lets {@code ms} pass on a Vert.x timer. Not for waiting on an event (wait for the event): for showing that
   * something does NOT happen within a window, or that a cache interval has passed.
   */
  public static void quiet(Vertx vertx, long ms) {
    await(Future.<Void>future(p -> vertx.setTimer(ms, t -> p.complete())));
  }
}
