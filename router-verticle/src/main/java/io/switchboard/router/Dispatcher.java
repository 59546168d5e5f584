package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.router.health.Breakers;
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
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Carries an {@link Attempt} through its plan: each candidate is checked again at the moment of sending (Retry-After
 * cool-down, rate limits, its circuit breaker, a live instance), then sent to; a failure before anything reached the
 * caller moves on to the next candidate, and once none is left, retries the last backend that failed retryably after
 * a backoff. The answer, whole or a pulled stream, is relayed message by message to the caller; its last message
 * (the whole answer, the stream's end, or the error) waits until the request is accounted for.
 */
final class Dispatcher {

  private final Vertx vertx;
  private final InstanceTracker instances;
  private final RouterState state;
  private final long streamIdleTimeoutMs;
  private final DoubleSupplier random;

  Dispatcher(Vertx vertx, InstanceTracker instances, RouterState state, long streamIdleTimeoutMs, DoubleSupplier random) {
    this.vertx = vertx;
    this.instances = instances;
    this.state = state;
    this.streamIdleTimeoutMs = streamIdleTimeoutMs;
    this.random = random;
  }

  /**
   * One attempt on one backend, holding its concurrency slot and its breaker call until settled: by the whole
   * answer, the end of the stream, or the failure. Only upstream faults count against the backend.
   */
  private final class Lease {
    final String backend;
    final Promise<Void> outcome;
    long sentAt;
    long firstAnswerAt;
    boolean settled;

    Lease(String backend, Promise<Void> outcome) {
      this.backend = backend;
      this.outcome = outcome;
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
      state.limiter().release(backend);
      outcome.tryComplete();
    }

    void settle(Throwable failure) {
      if (settled) {
        return;
      }
      settled = true;
      long now = state.now();
      state.limiter().release(backend);
      long latency = (firstAnswerAt > 0 ? firstAnswerAt : now) - sentAt;
      if (failure == null) {
        state.stats().success(backend, now, latency);
        outcome.tryComplete();
      } else {
        if (Breakers.counts(failure)) {
          state.stats().failure(backend, now, latency);
        }
        outcome.tryFail(failure);
      }
    }
  }

  void start(Attempt a) {
    safeTry(a, 0);
  }

  private void safeTry(Attempt a, int index) {
    try {
      tryCandidate(a, index);
    } catch (RuntimeException e) {
      a.fail(MeshException.from(e));
    }
  }

  private void tryCandidate(Attempt a, int index) {
    List<Candidate> candidates = a.plan.candidates();
    if (index >= candidates.size()) {
      exhausted(a);
      return;
    }
    Candidate c = candidates.get(index);
    a.current = c;
    long now = state.now();
    long cooldown = state.cooldowns().until(c.id());
    if (cooldown > now) {
      a.rateLimited(c.id(), "rate limited for " + String.format(Locale.ROOT, "%.1fs", (cooldown - now) / 1000.0) + " more", cooldown - now);
      safeTry(a, index + 1);
      return;
    }
    Future<RateLimiter.Denial> admission = state.limiter().acquire(c.id(), a.tokens);
    if (admission.isComplete()) {
      admitted(a, index, c, admission.result());
    } else {
      admission.onComplete(ar -> admitted(a, index, c,
        ar.succeeded() ? ar.result() : new RateLimiter.Denial("rate limiter failed", 1000)));
    }
  }

  private void admitted(Attempt a, int index, Candidate c, RateLimiter.Denial denial) {
    if (denial != null) {
      a.rateLimited(c.id(), denial.reason(), denial.retryAfterMs());
      safeTry(a, index + 1);
      return;
    }
    String instance = instances.pick(c.id());
    if (instance == null) {
      state.limiter().cancel(c.id(), a.tokens);
      a.skip(c.id(), "no live instance");
      safeTry(a, index + 1);
      return;
    }
    Promise<Void> outcome = state.breakers().admit(c.id());
    if (outcome == null) {
      state.limiter().cancel(c.id(), a.tokens);
      a.skip(c.id(), state.breakers().state(c.id()) == CircuitBreakerState.HALF_OPEN
        ? "breaker half-open, its trial request is in flight" : "breaker open");
      safeTry(a, index + 1);
      return;
    }
    send(a, index, c, instance, new Lease(c.id(), outcome));
  }

  private void send(Attempt a, int index, Candidate c, String instance, Lease lease) {
    DeliveryOptions options = Headers.toBackend(a.op, a.requestId, a.keyId, a.deadline, state.now());
    a.forward.headers().apply(c.model()).forEach(options::addHeader);
    InstanceTracker.InFlight f = instances.track(instance, () -> failed(a, index, c, lease,
      new MeshException(ErrorCode.UNAVAILABLE, c.id() + ": instance " + instance + " stopped answering"), true));
    lease.sentAt = state.now();
    Object body = a.forward.body().apply(c.model());
    if (body instanceof Buffer) {
      AudioCodec.options(options); // the upload goes to a local backend uncopied
    }
    vertx.eventBus().<Object>request(Addresses.instance(instance), body, options).onComplete(ar -> {
      if (!f.settle()) {
        if (ar.succeeded() && BusStreams.isStream(ar.result()) && !BusStreams.isEnd(ar.result())) {
          BusStreams.cancel(ar.result());
        }
        return;
      }
      if (ar.failed()) {
        // No handler at an instance address: that instance is gone (stopped, or its node died before the registry
        // noticed). Not a fault of the backend: try its other instances, without spending a retry.
        boolean gone = ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
        if (gone) {
          instances.gone(instance);
        }
        failed(a, index, c, lease, MeshException.from(ar.cause()), gone);
      } else {
        answered(a, c, lease, instance, ar.result());
      }
    });
  }

  /** A candidate failed before anything reached the caller. */
  private void failed(Attempt a, int index, Candidate c, Lease lease, MeshException e, boolean instanceLost) {
    long now = state.now();
    if (instanceLost) {
      lease.settleInstanceLost();
    } else {
      lease.settle(e);
    }
    if (e.errorCode() == ErrorCode.RATE_LIMITED) {
      state.cooldowns().rateLimited(c.id(), now, e.retryAfterMs());
    }
    if (!RoutingPolicy.mayTryNext(e) || now >= a.deadline) {
      a.fail(e);
      return;
    }
    a.skip(c.id(), e.errorCode().openAiCode() + ": " + e.getMessage());
    a.lastFailure = e;
    a.lastFailedIndex = index;
    if (instanceLost) {
      // The same backend's other instances first (the registry no longer lists the lost one).
      safeTry(a, index);
    } else if (a.plan.failover()) {
      safeTry(a, index + 1);
    } else {
      exhausted(a);
    }
  }

  /** No candidate left: retry the last one that failed retryably, after a backoff, or give the caller the answer. */
  private void exhausted(Attempt a) {
    MeshException last = a.lastFailure;
    long now = state.now();
    if (last != null && last.errorCode().upstreamFault() && a.retries < a.retry.max()) {
      String backend = a.plan.candidates().get(a.lastFailedIndex).id();
      // One millisecond past the Retry-After: the retry must find the cool-down over, not a millisecond short of it.
      long wait = Math.max(last.retryAfterMs(), state.cooldowns().until(backend) - now + 1);
      long delay = Math.max(1, a.retry.delayMs(a.retries, wait, random.getAsDouble()));
      if (now + delay < a.deadline) {
        a.retries++;
        int index = a.lastFailedIndex;
        vertx.setTimer(delay, t -> safeTry(a, index));
        return;
      }
    }
    if (a.rateLimitWaitMs >= 0 && (last == null || last.errorCode() == ErrorCode.RATE_LIMITED)) {
      long wait = last != null && last.retryAfterMs() > 0 ? Math.min(a.rateLimitWaitMs, last.retryAfterMs()) : a.rateLimitWaitMs;
      a.fail(new MeshException(ErrorCode.RATE_LIMITED, "every candidate for model " + a.model + " is rate limited: "
        + a.route().toHeader(), null, wait));
    } else if (last != null) {
      a.fail(last);
    } else {
      a.fail(new MeshException(ErrorCode.UNAVAILABLE, "no candidate could take the request for model " + a.model + ": "
        + a.route().toHeader()));
    }
  }

  private void answered(Attempt a, Candidate c, Lease lease, String instance, Message<Object> reply) {
    long now = state.now();
    a.ttfb = now - a.startedAt;
    lease.firstAnswerAt = now;
    RouteInfo route = a.route();
    DeliveryOptions headers = new DeliveryOptions()
      .addHeader(Headers.BACKEND, c.id())
      .addHeader(Headers.ROUTE, route.toJson().encode());
    Object body = reply.body();
    if (body instanceof JsonObject json) {
      body = json.put(StreamProtocol.ROUTE, route.toJson());
    }
    if (BusStreams.isStream(reply)) {
      a.streamed = true;
      relay(a, lease, instance, a.caller, reply, body, headers);
    } else {
      lease.settle(null);
      Object answer = body;
      a.finish(body instanceof JsonObject json ? json.getJsonObject("usage") : null, null, reportedSeconds(body))
        .onComplete(v -> a.caller.reply(answer, headers));
    }
  }

  /** The audio duration a transcript reports ({@code duration}, seconds), -1 when it has none. */
  private static double reportedSeconds(Object body) {
    return body instanceof JsonObject json && json.getValue("duration") instanceof Number n && n.doubleValue() >= 0
      ? n.doubleValue() : -1;
  }

  /**
   * Forwards one stream message to the caller and, on the caller's credit, pulls the next from the backend. Each
   * hop is a reply, so nothing is registered in the cluster and the slowest side sets the pace. After the first
   * message, any failure (the backend's, or its instance dying) ends the caller's stream with an error.
   */
  private void relay(Attempt a, Lease lease, String instance, Message<Object> caller, Message<Object> fromBackend, Object body,
                     DeliveryOptions options) {
    if (BusStreams.isEnd(fromBackend)) {
      options.addHeader(StreamProtocol.HEADER, StreamProtocol.END);
      lease.settle(null);
      a.finish(body instanceof JsonObject json ? json.getJsonObject(StreamProtocol.USAGE) : null, null)
        .onComplete(v -> caller.reply(body, options));
      return;
    }
    options.addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(streamIdleTimeoutMs);
    caller.replyAndRequest(body, options).onComplete(credit -> {
      if (credit.failed() || StreamProtocol.isCancel(credit.result().body())) {
        BusStreams.cancel(fromBackend);
        lease.settle(null);
        a.finish(null, ErrorCode.CANCELLED);
        return;
      }
      Message<Object> nextCaller = credit.result();
      InstanceTracker.InFlight f = instances.track(instance, () -> {
        MeshException e = new MeshException(ErrorCode.UPSTREAM, a.current.id() + ": instance " + instance + " lost mid-stream");
        lease.settle(e);
        a.finish(null, e.errorCode()).onComplete(v -> nextCaller.reply(e));
      });
      BusStreams.next(fromBackend, streamIdleTimeoutMs).onComplete(next -> {
        if (!f.settle()) {
          return;
        }
        if (next.failed()) {
          MeshException e = MeshException.from(next.cause());
          lease.settle(e);
          a.finish(null, e.errorCode()).onComplete(v -> nextCaller.reply(e));
        } else {
          relay(a, lease, instance, nextCaller, next.result(), next.result().body(), new DeliveryOptions());
        }
      });
    });
  }
}
