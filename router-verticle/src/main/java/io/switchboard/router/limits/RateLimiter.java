package io.switchboard.router.limits;

import io.vertx.core.Future;
import io.vertx.core.shareddata.SharedData;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Per-backend limits: requests and tokens per window across the cluster ({@link SharedWindow} leases on shared
 * counters; the window is a minute unless conf says otherwise, and an rpm limit is scaled to it), and requests in
 * flight from this router. {@link #acquire} admits a request or says why not and for how long; an admitted request
 * holds a concurrency slot until {@link #release}. Requests are counted when admitted: a request that then fails
 * still used its share, as it did upstream. Owned by the router's event loop.
 */
public final class RateLimiter {

  /** Why a request may not go to a backend now, and when it may. */
  public record Denial(String reason, long retryAfterMs) {
  }

  private static final Future<Denial> ADMITTED = Future.succeededFuture();

  private final SharedData data;
  private final LongSupplier clock;
  private final Function<String, Limits> limitsOf;
  private final long windowMs;
  private final double leaseFraction;
  private final Map<String, Backend> backends = new HashMap<>();

  /**
   * @param limitsOf      the current limits of a backend (conf, or an operator's override); never null
   * @param windowMs      length of a rate window (60000: limits are per minute)
   * @param leaseFraction share of a window's limit one router leases at a time (0.02: at most 2% of a window is
   *                      lost per router when the window ends with a lease unused)
   */
  public RateLimiter(SharedData data, LongSupplier clock, Function<String, Limits> limitsOf, long windowMs, double leaseFraction) {
    this.data = data;
    this.clock = clock;
    this.limitsOf = limitsOf;
    this.windowMs = windowMs;
    this.leaseFraction = leaseFraction;
  }

  private final class Backend {
    final String id;
    final SharedWindow requests;
    final SharedWindow tokens;
    int inflight;
    long servedInWindow;
    long tokensInWindow;
    long window = -1;
    long fullUntil;
    String fullReason;
    Future<Void> pending;

    Backend(String id) {
      this.id = id;
      this.requests = new SharedWindow(data, "switchboard.rl." + id + ".requests");
      this.tokens = new SharedWindow(data, "switchboard.rl." + id + ".tokens");
    }

    void roll(long w) {
      if (w != window) {
        window = w;
        servedInWindow = 0;
        tokensInWindow = 0;
        fullUntil = 0;
        requests.roll(w);
        tokens.roll(w);
      }
    }
  }

  private Backend backend(String id) {
    return backends.computeIfAbsent(id, Backend::new);
  }

  /** Limits scaled to one window: an rpm of 600 over 2-second windows allows 20 a window. */
  private long perWindow(long perMinute) {
    return perMinute == 0 ? 0 : Math.max(1, perMinute * windowMs / 60_000);
  }

  /**
   * Admits one request of {@code tokens} estimated tokens to backend {@code id}: completes with null when admitted
   * (the caller must {@link #release} it when done), or with the {@link Denial}.
   */
  public Future<Denial> acquire(String id, long tokens) {
    Limits limits = limitsOf.apply(id);
    Backend b = backend(id);
    long now = clock.getAsLong();
    long w = now / windowMs;
    b.roll(w);
    if (limits.concurrency() > 0 && b.inflight >= limits.concurrency()) {
      return Future.succeededFuture(new Denial("concurrency limit " + limits.concurrency() + " reached", 1000));
    }
    long rpm = perWindow(limits.rpm());
    long tpm = perWindow(limits.tpm());
    boolean requestsOk = rpm == 0 || b.requests.local >= 1;
    boolean tokensOk = tpm == 0 || b.tokens.local >= tokens;
    if (requestsOk && tokensOk) {
      if (rpm > 0) {
        b.requests.local--;
      }
      if (tpm > 0) {
        b.tokens.local -= tokens;
      }
      b.inflight++;
      b.servedInWindow++;
      b.tokensInWindow += tokens;
      return ADMITTED;
    }
    long windowEnd = (w + 1) * windowMs;
    if (b.fullUntil > now) {
      return Future.succeededFuture(new Denial(b.fullReason, windowEnd - now));
    }
    if (b.pending != null) {
      return b.pending.compose(v -> acquire(id, tokens));
    }
    Future<Long> gotRequests = requestsOk ? Future.succeededFuture(0L)
      : b.requests.lease(w, Math.max(1, (long) Math.ceil(rpm * leaseFraction)), rpm);
    long needTokens = tokens - b.tokens.local;
    long tokenBatch = Math.max(needTokens, (long) Math.ceil(tpm * leaseFraction));
    Future<Long> gotTokens = tokensOk ? Future.succeededFuture(0L) : b.tokens.lease(w, tokenBatch, tpm);
    Future<Void> fetch = Future.all(gotRequests, gotTokens).transform(ar -> {
      b.pending = null;
      if (ar.failed() || b.window != w) {
        // A failed cluster call, or an answer for a window already over: nothing is granted.
        return Future.succeededFuture();
      }
      long r = gotRequests.result();
      long t = gotTokens.result();
      b.requests.local += r;
      b.tokens.local += t;
      if (!requestsOk && r < 1) {
        full(b, windowEnd, "rpm limit " + limits.rpm() + "/min reached");
      } else if (!tokensOk && t < tokenBatch) {
        full(b, windowEnd, "tpm limit " + limits.tpm() + "/min reached");
      }
      return Future.succeededFuture();
    });
    if (!fetch.isComplete()) {
      // Requests arriving meanwhile wait for this lease rather than each asking the cluster (a lease answered at
      // once, as local counters are, has already been applied and leaves nothing to wait for).
      b.pending = fetch;
    }
    return fetch.compose(v -> {
      boolean fits = (rpm == 0 || b.requests.local >= 1) && (tpm == 0 || b.tokens.local >= tokens);
      if (fits || b.fullUntil > clock.getAsLong() || b.window != w) {
        return acquire(id, tokens);
      }
      // The shared counter did not answer: refuse this request rather than serve past a limit we cannot see.
      return Future.succeededFuture(new Denial("shared rate-limit counter unavailable", 1000));
    });
  }

  private static void full(Backend b, long until, String reason) {
    b.fullUntil = until;
    b.fullReason = reason;
  }

  /**
   * Undoes an admission for a request that was never sent (its breaker refused it, or no instance was left): the
   * concurrency slot is freed and its permits go back to this router's lease.
   */
  public void cancel(String id, long tokens) {
    Backend b = backends.get(id);
    if (b == null) {
      return;
    }
    release(id);
    Limits limits = limitsOf.apply(id);
    if (b.window == clock.getAsLong() / windowMs) {
      b.servedInWindow = Math.max(0, b.servedInWindow - 1);
      b.tokensInWindow = Math.max(0, b.tokensInWindow - tokens);
      if (limits.rpm() > 0) {
        b.requests.local++;
      }
      if (limits.tpm() > 0) {
        b.tokens.local += tokens;
      }
    }
  }

  /** Frees the concurrency slot of a request {@link #acquire} admitted. */
  public void release(String id) {
    Backend b = backends.get(id);
    if (b != null && b.inflight > 0) {
      b.inflight--;
    }
  }

  /**
   * Epoch ms until which a window of the backend is known full and this router has no lease left for even the
   * smallest request; 0 otherwise. The policy leaves such backends out without asking the cluster.
   */
  public long limitedUntil(String id) {
    Backend b = backends.get(id);
    if (b == null || b.fullUntil <= clock.getAsLong()) {
      return 0;
    }
    boolean hasRequests = b.requests.local >= 1 || limitsOf.apply(id).rpm() == 0;
    boolean hasTokens = b.tokens.local > 0 || limitsOf.apply(id).tpm() == 0;
    return hasRequests && hasTokens ? 0 : b.fullUntil;
  }

  public String limitReason(String id) {
    Backend b = backends.get(id);
    return b == null || b.fullReason == null ? "rate limit reached" : b.fullReason;
  }

  /**
   * Usage in the current window, scaled to a minute: cluster-wide (leased) when the backend has an rpm or tpm
   * limit, else what this router admitted; plus this router's requests in flight.
   */
  public Future<JsonObject> usage(String id) {
    Limits limits = limitsOf.apply(id);
    Backend b = backend(id);
    long w = clock.getAsLong() / windowMs;
    b.roll(w);
    double toMinute = 60_000.0 / windowMs;
    JsonObject out = new JsonObject().put("inflight", b.inflight).put("window_ms", windowMs);
    if (limits.rpm() == 0 && limits.tpm() == 0) {
      return Future.succeededFuture(out.put("scope", "router")
        .put("rpm", Math.round(b.servedInWindow * toMinute)).put("tpm", Math.round(b.tokensInWindow * toMinute)));
    }
    // The counters also hold what was asked for past the limit and refused: what was granted is at most the limit.
    return Future.all(b.requests.used(w), b.tokens.used(w)).map(cf -> out.put("scope", "cluster")
      .put("rpm", limits.rpm() == 0 ? Math.round(b.servedInWindow * toMinute)
        : Math.round(Math.min(cf.<Long>resultAt(0), perWindow(limits.rpm())) * toMinute))
      .put("tpm", limits.tpm() == 0 ? Math.round(b.tokensInWindow * toMinute)
        : Math.round(Math.min(cf.<Long>resultAt(1), perWindow(limits.tpm())) * toMinute)));
  }
}
