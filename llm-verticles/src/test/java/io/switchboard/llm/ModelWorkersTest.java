package io.switchboard.llm;

import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared end of an in-process model: closed on its pool's thread, then the pool, whatever the close did. */
class ModelWorkersTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();

  private final Vertx vertx = VX.get();

  @Test
  void closesTheModelOnAWorkerOfThePoolThenThePool() {
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("model-workers-test", 1);
    AtomicReference<String> closedOn = new AtomicReference<>();
    AutoCloseable model = () -> closedOn.set(Context.isOnWorkerThread() ? Thread.currentThread().getName() : "not a worker");

    await(ModelWorkers.close(workers, model));

    assertTrue(closedOn.get().startsWith("model-workers-test"), closedOn.get());
    assertClosed(workers);
  }

  @Test
  void aModelThatFailsToCloseStillClosesThePool() {
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("model-workers-failing", 1);

    Throwable e = failure(ModelWorkers.close(workers, () -> {
      throw new IllegalStateException("native free failed");
    }), IllegalStateException.class);

    assertEquals("native free failed", e.getMessage());
    assertClosed(workers);
  }

  @Test
  void noModelLoadedClosesOnlyThePool() {
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("model-workers-empty", 1);
    await(ModelWorkers.close(workers, null));
    assertClosed(workers);
  }

  @Test
  void aBackendThatNeverStartedHasNothingToClose() {
    assertTrue(ModelWorkers.close(null, () -> {
      throw new AssertionError("a model without a pool was never loaded");
    }).succeeded());
  }

  private static void assertClosed(WorkerExecutor workers) {
    assertThrows(Throwable.class, () -> await(workers.executeBlocking(() -> "ran", false)));
  }
}
