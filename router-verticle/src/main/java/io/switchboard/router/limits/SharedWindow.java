package io.switchboard.router.limits;

import io.vertx.core.Future;
import io.vertx.core.shareddata.Counter;
import io.vertx.core.shareddata.SharedData;

/**
 * One limit of one backend (its requests, or its tokens) in the current window, counted in a cluster-wide
 * {@link Counter} (Hazelcast-backed when clustered) and handed out to this router in leases: the router takes a
 * batch from the counter and serves from it locally, so most requests cost no cluster round trip.
 *
 * <p>The counter holds the window's tag in its high bits and the amount taken in the low {@value #COUNT_BITS} bits,
 * so one counter per limit serves every window (no counter per minute piling up in the cluster): the first router
 * to see a stale tag resets it with a compare-and-set. Granted amounts never exceed the limit; the price of leases
 * is that permits leased and unused when the window ends are lost (at most one batch per router per window).
 */
final class SharedWindow {

  static final int COUNT_BITS = 43;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
  private static final long TAG_MASK = (1L << 20) - 1;
  private static final int MAX_RACES = 8;

  private final SharedData data;
  private final String key;
  private Future<Counter> counter;
  long window = -1;
  /** Permits (requests or tokens) leased to this router and not used yet in {@link #window}. */
  long local;

  SharedWindow(SharedData data, String key) {
    this.data = data;
    this.key = key;
  }

  /** Starts a new window: local permits of the old one are gone. */
  void roll(long windowIndex) {
    if (window != windowIndex) {
      window = windowIndex;
      local = 0;
    }
  }

  /**
   * Takes up to {@code batch} from the cluster-wide count of window {@code windowIndex}, whose limit is
   * {@code limit}; completes with the amount granted (less than asked when the window is full).
   */
  Future<Long> lease(long windowIndex, long batch, long limit) {
    if (counter == null) {
      counter = data.getCounter(key);
    }
    return counter.compose(c -> lease(c, windowIndex, batch, limit, 0));
  }

  private Future<Long> lease(Counter c, long windowIndex, long batch, long limit, int race) {
    long tag = windowIndex & TAG_MASK;
    return c.addAndGet(batch).compose(v -> {
      if ((v >>> COUNT_BITS) == tag) {
        long before = (v & COUNT_MASK) - batch;
        return Future.succeededFuture(Math.max(0, Math.min(batch, limit - before)));
      }
      // The counter still holds an older window: start ours, unless another router just did.
      long granted = Math.min(batch, limit);
      return c.compareAndSet(v, (tag << COUNT_BITS) | granted).compose(won -> won ? Future.succeededFuture(granted)
        : race < MAX_RACES ? lease(c, windowIndex, batch, limit, race + 1)
        : Future.succeededFuture(0L));
    });
  }

  /** The amount taken cluster-wide in window {@code windowIndex} (leased, not necessarily served yet). */
  Future<Long> used(long windowIndex) {
    if (counter == null) {
      counter = data.getCounter(key);
    }
    long tag = windowIndex & TAG_MASK;
    return counter.compose(Counter::get).map(v -> (v >>> COUNT_BITS) == tag ? v & COUNT_MASK : 0L);
  }
}
