package io.switchboard.router;

import io.switchboard.router.health.Breakers;
import io.switchboard.router.policy.Candidate;
import io.vertx.core.Promise;

/**
 * One attempt of a {@link RoutedRequest} on one backend instance. It holds the backend's concurrency slot (rate
 * limiter) and its breaker call from the moment it is sent until it is settled: by the whole answer, the end of the
 * stream, or the failure. Only upstream faults count against the backend. Owned by the router's event loop.
 */
final class BackendAttempt {

  private final RoutedRequest request;
  private final int index;
  private final Candidate candidate;
  private final String instance;
  private final Promise<Void> breakerCall;
  private final RouterState state;
  private long sentAt;
  private long firstAnswerAt;
  private boolean settled;

  /**
   * @param index       the candidate's place in the request's plan
   * @param breakerCall the breaker's admission of this call, completed or failed when the attempt settles
   */
  BackendAttempt(RoutedRequest request, int index, Candidate candidate, String instance, Promise<Void> breakerCall,
                 RouterState state) {
    this.request = request;
    this.index = index;
    this.candidate = candidate;
    this.instance = instance;
    this.breakerCall = breakerCall;
    this.state = state;
  }

  RoutedRequest request() {
    return request;
  }

  int index() {
    return index;
  }

  Candidate candidate() {
    return candidate;
  }

  /** The backend id. */
  String backend() {
    return candidate.id();
  }

  /** The instance the attempt went to. */
  String instance() {
    return instance;
  }

  /** The request left for the instance now. */
  void sent(long now) {
    sentAt = now;
  }

  /** The backend's first reply or stream message came now: the latency the backend is measured by ends here. */
  void answered(long now) {
    firstAnswerAt = now;
  }

  /**
   * Settles an attempt whose instance died under it: the backend did nothing wrong (its other instances may be
   * fine), so neither its breaker nor its error rate hears of it.
   */
  void settleInstanceLost() {
    if (settled) {
      return;
    }
    settled = true;
    state.limiter().release(backend());
    breakerCall.tryComplete();
  }

  /** Settles the attempt: a success (null) or {@code failure}, which counts against the backend when it is its fault. */
  void settle(Throwable failure) {
    if (settled) {
      return;
    }
    settled = true;
    long now = state.now();
    state.limiter().release(backend());
    long latency = (firstAnswerAt > 0 ? firstAnswerAt : now) - sentAt;
    if (failure == null) {
      state.stats().outcome(backend(), instance, now, latency, true);
      breakerCall.tryComplete();
    } else {
      if (Breakers.counts(failure)) {
        state.stats().outcome(backend(), instance, now, latency, false);
      }
      breakerCall.tryFail(failure);
    }
  }
}
