package io.switchboard.router.metrics;

import java.util.function.Supplier;

/**
 * A meter registered on its first use, so that a series nobody records (the time to first byte of a backend that never
 * streams, the audio seconds of a chat model) is never exported. Two threads that both see it missing both register:
 * the registry hands both the same meter, so the race costs a lookup, not a second series.
 */
final class LazyMeter<M> {

  private final Supplier<M> register;
  private volatile M meter;

  LazyMeter(Supplier<M> register) {
    this.register = register;
  }

  M get() {
    M m = meter;
    if (m == null) {
      m = register.get();
      meter = m;
    }
    return m;
  }
}
