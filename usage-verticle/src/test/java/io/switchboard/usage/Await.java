package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The usage tests' blocking waits (never on an event loop): a future's result or failure, by the test kit's
 * {@link io.switchboard.core.testkit.Await} with the ledger's longer bound (a store migrating, a cluster forming on a
 * loaded machine), and polls of the usage verticle's status, which nothing calls the test back on.
 */
public final class Await {

  private static final long SECONDS = 60;

  private Await() {
  }

  public static <T> T result(Future<T> f) {
    return io.switchboard.core.testkit.Await.await(f, SECONDS);
  }

  /** The failure of {@code f}, which must fail. */
  public static Throwable failure(Future<?> f) {
    return io.switchboard.core.testkit.Await.failure(f, Throwable.class);
  }

  /** Polls the usage verticle's status until {@code ok} holds (bounded: {@code seconds}). */
  public static JsonObject status(Vertx vertx, int seconds, Predicate<JsonObject> ok) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonObject last = null;
    while (System.nanoTime() < end) {
      last = result(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"))).body();
      if (ok.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    return fail("usage status never reached the expected state; last: " + last);
  }

  public static JsonObject caughtUp(Vertx vertx, int seconds) throws Exception {
    return status(vertx, seconds, s -> s.getBoolean("caught_up") && s.getInteger("waiting_for_fsync") == 0);
  }
}
