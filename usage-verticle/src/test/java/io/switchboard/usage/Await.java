package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** Blocking waits for tests (never on an event loop). */
public final class Await {

  private Await() {
  }

  public static <T> T result(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The failure of {@code f}, which must fail. */
  public static Throwable failure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    return fail("expected a failure");
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
