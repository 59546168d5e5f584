package io.switchboard.router;

import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests a router is serving, so that a stopping router can wait for them ({@link #idle}). A request
 * counts from its arrival on an entry point until the caller has had the last word of its answer (the whole answer,
 * the end of a stream, or an error) or stopped pulling its stream (cancelled, or gone). It is followed on the
 * caller's side of the bus, so the routing code needs to know nothing of it: {@link #track} gives the router a view of
 * the caller's message whose final reply ends the request, and each credit of a relayed stream is followed the same way.
 */
final class InFlightRequests {

  private final Vertx vertx;
  private final AtomicInteger count = new AtomicInteger();
  private volatile Promise<Integer> waiting;

  InFlightRequests(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Counts a request that has just arrived; the router must answer through the message returned. */
  <T> Message<T> track(Message<T> request) {
    count.incrementAndGet();
    return new Tracked<>(request, new AtomicBoolean());
  }

  /** Requests in flight now. */
  int count() {
    return count.get();
  }

  /** Completes with 0 once no request is in flight, or after {@code timeoutMs} with the number still in flight. */
  Future<Integer> idle(long timeoutMs) {
    Promise<Integer> p = Promise.promise();
    waiting = p;
    if (count.get() == 0) {
      p.tryComplete(0);
      return p.future();
    }
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> p.tryComplete(count.get()));
    p.future().onComplete(ar -> vertx.cancelTimer(timer));
    return p.future();
  }

  private void end(AtomicBoolean ended) {
    if (!ended.compareAndSet(false, true) || count.decrementAndGet() > 0) {
      return;
    }
    Promise<Integer> p = waiting;
    if (p != null) {
      // On a later turn of the event loop: what the router does right after its last reply (accounting for a
      // cancelled stream, say) runs before whoever waits for the drain goes on to undeploy it.
      vertx.runOnContext(v -> {
        if (count.get() == 0) {
          p.tryComplete(0);
        }
      });
    }
  }

  /** The caller's message as the router sees it: replying to it for the last time ends the request. */
  private final class Tracked<T> implements Message<T> {

    private final Message<T> delegate;
    private final AtomicBoolean ended;

    Tracked(Message<T> delegate, AtomicBoolean ended) {
      this.delegate = delegate;
      this.ended = ended;
    }

    @Override
    public String address() {
      return delegate.address();
    }

    @Override
    public MultiMap headers() {
      return delegate.headers();
    }

    @Override
    public T body() {
      return delegate.body();
    }

    @Override
    public String replyAddress() {
      return delegate.replyAddress();
    }

    @Override
    public boolean isSend() {
      return delegate.isSend();
    }

    @Override
    public void reply(Object message, DeliveryOptions options) {
      delegate.reply(message, options);
      end(ended);
    }

    /** A stream message: the caller's credit continues the request, a cancel or no credit ends it. */
    @Override
    public <R> Future<Message<R>> replyAndRequest(Object message, DeliveryOptions options) {
      return delegate.<R>replyAndRequest(message, options).transform(ar -> {
        if (ar.failed()) {
          end(ended);
          return Future.failedFuture(ar.cause());
        }
        if (StreamProtocol.isCancel(ar.result().body())) {
          end(ended);
          return Future.succeededFuture(ar.result());
        }
        return Future.succeededFuture(new Tracked<>(ar.result(), ended));
      });
    }
  }
}
