package io.switchboard.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A steady, bounded load from a Vert.x timer: request number n (from 0) is {@code send.apply(n)}, one every
 * {@code 1000 / rate} ms until {@link #stop()} or the time limit; every outcome is kept, and {@link #finished()}
 * completes once sending has stopped and the last outcome is in. {@code send}'s future must succeed with the
 * outcome, failures included (LoadRun's and BusLoadRun's outcomes record them).
 */
final class PacedRun<O> {

  private final Vertx vertx;
  private final List<O> outcomes = new CopyOnWriteArrayList<>();
  private final AtomicInteger inflight = new AtomicInteger();
  private final Promise<Void> done = Promise.promise();
  private volatile boolean stopped;
  private long timer;
  private int sent;

  private PacedRun(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts sending at once, for at most {@code maxMs}. */
  static <O> PacedRun<O> start(Vertx vertx, int ratePerSecond, long maxMs, IntFunction<Future<O>> send) {
    PacedRun<O> run = new PacedRun<>(vertx);
    long until = System.currentTimeMillis() + maxMs;
    run.timer = vertx.setPeriodic(Math.max(1, 1000 / ratePerSecond), t -> {
      if (run.stopped || System.currentTimeMillis() >= until) {
        run.stop();
        return;
      }
      run.inflight.incrementAndGet();
      send.apply(run.sent++).onComplete(ar -> {
        if (ar.succeeded()) {
          run.outcomes.add(ar.result());
        }
        if (run.inflight.decrementAndGet() == 0 && run.stopped) {
          run.done.tryComplete();
        }
      });
    });
    return run;
  }

  /** Stops sending; {@link #finished()} completes when the last answer is in. */
  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    if (inflight.get() == 0) {
      done.tryComplete();
    }
  }

  Future<Void> finished() {
    return done.future();
  }

  List<O> outcomes() {
    return List.copyOf(outcomes);
  }
}
