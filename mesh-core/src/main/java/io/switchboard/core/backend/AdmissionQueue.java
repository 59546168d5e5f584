package io.switchboard.core.backend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.function.Function;

/**
 * A backend's admission: at most {@code concurrency} requests run at once, up to {@code maxQueue} more wait in arrival
 * order, and the rest are refused (the verticle answers them 429 with a Retry-After). A request runs until the future
 * its work returns completes; then the first waiting one starts. Owned by the backend verticle's event loop.
 *
 * @param <T> what a request is (the bus message)
 */
final class AdmissionQueue<T> {

  private final int concurrency;
  private final int maxQueue;
  private final Function<T, Future<?>> work;
  private final ArrayDeque<T> waiting = new ArrayDeque<>();
  private int running;
  private Promise<Integer> idle;

  /** @param work starts one request's work; the request holds its slot until the returned future completes */
  AdmissionQueue(int concurrency, int maxQueue, Function<T, Future<?>> work) {
    this.concurrency = concurrency;
    this.maxQueue = maxQueue;
    this.work = work;
  }

  /** Runs {@code request} now when a slot is free, else queues it; false (and nothing done) when the queue is full. */
  boolean offer(T request) {
    if (running < concurrency) {
      run(request);
      return true;
    }
    if (waiting.size() < maxQueue) {
      waiting.add(request);
      return true;
    }
    return false;
  }

  int running() {
    return running;
  }

  int queued() {
    return waiting.size();
  }

  /**
   * Completes with 0 once nothing runs or waits, or after {@code timeoutMs} with the number of requests still running
   * then (the queue is still served: a drain stops new arrivals, not the ones admitted).
   */
  Future<Integer> idle(Vertx vertx, long timeoutMs) {
    if (running == 0 && waiting.isEmpty()) {
      return Future.succeededFuture(0);
    }
    idle = Promise.promise();
    Promise<Integer> p = idle;
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> p.tryComplete(running));
    return p.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private void run(T request) {
    running++;
    work.apply(request).onComplete(ar -> done());
  }

  private void done() {
    running--;
    T next = waiting.poll();
    if (next != null) {
      run(next);
    } else if (idle != null && running == 0) {
      idle.tryComplete(0);
    }
  }
}
