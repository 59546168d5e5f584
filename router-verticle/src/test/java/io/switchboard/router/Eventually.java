package io.switchboard.router;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A bounded wait for a state nothing announces (the router's registry view, a counter, a status answer): the state is
 * read on a Vert.x timer every {@value #EVERY_MS} ms until it is as wanted, or the time is up and the returned future
 * fails naming what was awaited and the last state seen. The test awaits the future; its own thread never sleeps, and
 * a probe is an asynchronous call (a bus request), never a blocking one on the event loop.
 */
public final class Eventually {

  private static final long EVERY_MS = 10;

  private Eventually() {
  }

  /** Completes with the first probe result {@code done} accepts, within {@code timeoutMs}. */
  public static <T> Future<T> until(Vertx vertx, String what, long timeoutMs, Supplier<Future<T>> probe, Predicate<T> done) {
    Promise<T> result = Promise.promise();
    long end = System.currentTimeMillis() + timeoutMs;
    vertx.runOnContext(v -> poll(vertx, what, end, probe, done, result));
    return result.future();
  }

  /** Completes once {@code condition} holds (read on the event loop: it must not block), within {@code timeoutMs}. */
  public static Future<Void> until(Vertx vertx, String what, long timeoutMs, BooleanSupplier condition) {
    return until(vertx, what, timeoutMs, () -> Future.succeededFuture(condition.getAsBoolean()), held -> held).mapEmpty();
  }

  private static <T> void poll(Vertx vertx, String what, long end, Supplier<Future<T>> probe, Predicate<T> done, Promise<T> result) {
    Future<T> read;
    try {
      read = probe.get();
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    read.onComplete(ar -> {
      if (ar.succeeded() && done.test(ar.result())) {
        result.complete(ar.result());
      } else if (System.currentTimeMillis() >= end) {
        result.fail(new AssertionError("timed out waiting for " + what + "; last seen: "
          + (ar.succeeded() ? ar.result() : ar.cause())));
      } else {
        // A probe that failed (no router answering yet, say) is read again like a state not yet reached.
        vertx.setTimer(EVERY_MS, t -> poll(vertx, what, end, probe, done, result));
      }
    });
  }
}
