package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.router.limits.RateLimiter;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutingPolicy;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The failover loop: carries a {@link RoutedRequest} through its plan. Each candidate is checked again at the moment of
 * sending (Retry-After cool-down, rate limits, a live instance, its circuit breaker), then sent to as a
 * {@link BackendAttempt}; a failure before anything reached the caller moves on to the next candidate, and once none
 * is left, the last backend that failed retryably is retried after a backoff. The first answer goes to the
 * {@link AnswerRelay}. Owned by the router's event loop.
 */
final class Failover {

  private final Vertx vertx;
  private final InstanceTracker instances;
  private final RouterState state;
  private final AnswerRelay relay;
  private final DoubleSupplier random;

  /** @param random uniform draws in [0, 1) for the retry backoff's jitter */
  Failover(Vertx vertx, InstanceTracker instances, RouterState state, AnswerRelay relay, DoubleSupplier random) {
    this.vertx = vertx;
    this.instances = instances;
    this.state = state;
    this.relay = relay;
    this.random = random;
    JsonHandOver.register(vertx); // the codec of every JSON attempt it sends
  }

  /** Tries the request's candidates from the first. */
  void start(RoutedRequest r) {
    next(r, 0);
  }

  private void next(RoutedRequest r, int index) {
    try {
      tryCandidate(r, index);
    } catch (RuntimeException e) {
      r.fail(MeshException.from(e));
    }
  }

  private void tryCandidate(RoutedRequest r, int index) {
    List<Candidate> candidates = r.candidates();
    if (index >= candidates.size()) {
      exhausted(r);
      return;
    }
    Candidate c = candidates.get(index);
    r.trying(c);
    long now = state.now();
    long cooldown = state.cooldowns().until(c.id());
    if (cooldown > now) {
      r.rateLimited(c.id(), "rate limited for " + String.format(Locale.ROOT, "%.1fs", (cooldown - now) / 1000.0) + " more", cooldown - now);
      next(r, index + 1);
      return;
    }
    Future<RateLimiter.Denial> admission = state.limiter().acquire(c.id(), r.tokens());
    if (admission.isComplete()) {
      admitted(r, index, c, admission.result());
    } else {
      admission.onComplete(ar -> admitted(r, index, c,
        ar.succeeded() ? ar.result() : new RateLimiter.Denial("rate limiter failed", 1000)));
    }
  }

  private void admitted(RoutedRequest r, int index, Candidate c, RateLimiter.Denial denial) {
    if (denial != null) {
      r.rateLimited(c.id(), denial.reason(), denial.retryAfterMs());
      next(r, index + 1);
      return;
    }
    String instance = instances.pick(c.id(), r.forward().affinity());
    if (instance == null) {
      state.limiter().cancel(c.id(), r.tokens());
      r.skip(c.id(), "no live instance");
      next(r, index + 1);
      return;
    }
    Promise<Void> breakerCall = state.breakers().admit(c.id());
    if (breakerCall == null) {
      state.limiter().cancel(c.id(), r.tokens());
      r.skip(c.id(), state.breakers().state(c.id()) == CircuitBreakerState.HALF_OPEN
        ? "breaker half-open, its trial request is in flight" : "breaker open");
      next(r, index + 1);
      return;
    }
    send(new BackendAttempt(r, index, c, instance, breakerCall, state));
  }

  private void send(BackendAttempt attempt) {
    RoutedRequest r = attempt.request();
    Candidate c = attempt.candidate();
    String instance = attempt.instance();
    DeliveryOptions options = Headers.toBackend(r.op(), r.requestId(), r.keyId(), r.deadline(), state.now());
    r.forward().headers().apply(c.model()).forEach(options::addHeader);
    InstanceTracker.InFlight f = instances.track(instance, () -> failed(attempt,
      new MeshException(ErrorCode.UNAVAILABLE, c.id() + ": instance " + instance + " stopped answering"), true));
    attempt.sent(state.now());
    Object body = r.forward().body().apply(c.model());
    if (body instanceof Buffer) {
      AudioCodec.options(options); // the upload goes to a local backend uncopied
    } else if (body instanceof JsonObject) {
      JsonHandOver.options(options); // made for this attempt (RoutedRequest.Forward): the backend's to keep
    }
    vertx.eventBus().<Object>request(Addresses.instance(instance), body, options).onComplete(ar -> {
      if (!f.settle()) {
        if (ar.succeeded()) {
          BusStreams.drop(ar.result());
        }
        return;
      }
      if (ar.failed()) {
        // No handler at an instance address: that instance is gone (stopped, or its node died before the registry
        // noticed). Not a fault of the backend: try its other instances, without spending a retry.
        boolean gone = ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS;
        if (gone) {
          instances.gone(instance);
        }
        failed(attempt, MeshException.from(ar.cause()), gone);
      } else {
        relay.answered(attempt, ar.result());
      }
    });
  }

  /** The attempt failed before anything reached the caller. */
  private void failed(BackendAttempt attempt, MeshException e, boolean instanceLost) {
    RoutedRequest r = attempt.request();
    long now = state.now();
    if (instanceLost) {
      attempt.settleInstanceLost();
    } else {
      attempt.settle(e);
    }
    if (e.errorCode() == ErrorCode.RATE_LIMITED) {
      state.cooldowns().rateLimited(attempt.backend(), now, e.retryAfterMs());
    }
    if (!RoutingPolicy.mayTryNext(e) || now >= r.deadline()) {
      r.fail(e);
      return;
    }
    r.failedOn(attempt.index(), e);
    if (instanceLost) {
      // The same backend's other instances first (the registry no longer lists the lost one).
      next(r, attempt.index());
    } else if (r.failover()) {
      next(r, attempt.index() + 1);
    } else {
      exhausted(r);
    }
  }

  /** No candidate left: retry the last one that failed retryably, after a backoff, or give the caller the answer. */
  private void exhausted(RoutedRequest r) {
    MeshException last = r.lastFailure();
    long now = state.now();
    if (last != null && last.errorCode().upstreamFault() && r.mayRetry()) {
      int index = r.lastFailedIndex();
      String backend = r.candidates().get(index).id();
      // One millisecond past the Retry-After: the retry must find the cool-down over, not a millisecond short of it.
      long wait = Math.max(last.retryAfterMs(), state.cooldowns().until(backend) - now + 1);
      long delay = Math.max(1, r.backoffMs(wait, random.getAsDouble()));
      if (now + delay < r.deadline()) {
        r.retrying();
        vertx.setTimer(delay, t -> next(r, index));
        return;
      }
    }
    if (r.rateLimitWaitMs() >= 0 && (last == null || last.errorCode() == ErrorCode.RATE_LIMITED)) {
      long wait = last != null && last.retryAfterMs() > 0 ? Math.min(r.rateLimitWaitMs(), last.retryAfterMs()) : r.rateLimitWaitMs();
      r.fail(new MeshException(ErrorCode.RATE_LIMITED, "every candidate for model " + r.model() + " is rate limited: "
        + r.route().toHeader(), null, wait));
    } else if (last != null) {
      r.fail(last);
    } else {
      r.fail(new MeshException(ErrorCode.UNAVAILABLE, "no candidate could take the request for model " + r.model() + ": "
        + r.route().toHeader()));
    }
  }
}
