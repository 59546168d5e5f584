package io.switchboard.router.health;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One vertx-circuit-breaker {@link CircuitBreaker} per backend id. Each attempt on a backend runs inside its
 * breaker ({@link #admit}): the breaker decides whether the attempt may go (closed; the single trial when
 * half-open) and counts its outcome. Only upstream faults count ({@link #counts}); errors of the caller's making
 * and 429s (rate limiting, handled by backing off) do not. Transitions are logged and published on
 * {@link Addresses#BREAKER}.
 */
public final class Breakers {

  private static final System.Logger LOG = System.getLogger(Breakers.class.getName());

  private final Vertx vertx;
  private final String routerId;
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private volatile BreakerSettings settings;

  public Breakers(Vertx vertx, BreakerSettings settings, String routerId) {
    this.vertx = vertx;
    this.settings = settings;
    this.routerId = routerId;
  }

  public BreakerSettings settings() {
    return settings;
  }

  /** New thresholds: breakers are rebuilt (closed) so that every backend runs under the same ones. */
  public void reconfigure(BreakerSettings next) {
    if (next.equals(settings)) {
      return;
    }
    settings = next;
    breakers.values().forEach(CircuitBreaker::close);
    breakers.clear();
  }

  public CircuitBreakerState state(String backendId) {
    CircuitBreaker b = breakers.get(backendId);
    return b == null ? CircuitBreakerState.CLOSED : b.state();
  }

  public long failures(String backendId) {
    CircuitBreaker b = breakers.get(backendId);
    return b == null ? 0 : b.failureCount();
  }

  /**
   * Asks the backend's breaker to run one attempt. Returns the promise to complete with the attempt's outcome
   * (succeed, or fail with the failure), or null when the breaker refuses: open, or half-open with its trial
   * already in flight.
   */
  public Promise<Void> admit(String backendId) {
    Promise<Void> outcome = Promise.promise();
    boolean[] admitted = {false};
    breaker(backendId).<Void>execute(() -> {
      admitted[0] = true;
      return outcome.future();
    });
    return admitted[0] ? outcome : null;
  }

  /** True for failures that say the backend (or the way to it) is unwell: 5xx, timeouts, unreachable, cut streams. */
  public static boolean counts(Throwable failure) {
    ErrorCode code = MeshException.from(failure).errorCode();
    return switch (code) {
      case UPSTREAM, INTERNAL, UNAVAILABLE, TIMEOUT -> true;
      default -> false;
    };
  }

  private CircuitBreaker breaker(String id) {
    CircuitBreaker existing = breakers.get(id);
    if (existing != null) {
      return existing;
    }
    return breakers.computeIfAbsent(id, k -> {
      CircuitBreaker b = CircuitBreaker.create("switchboard-" + k, vertx, settings.options());
      b.failurePolicy(ar -> ar.failed() && counts(ar.cause()));
      b.openHandler(v -> transition(k, b, CircuitBreakerState.OPEN));
      b.halfOpenHandler(v -> transition(k, b, CircuitBreakerState.HALF_OPEN));
      b.closeHandler(v -> transition(k, b, CircuitBreakerState.CLOSED));
      return b;
    });
  }

  private void transition(String id, CircuitBreaker b, CircuitBreakerState state) {
    // Runs inside the breaker's (reentrant) lock, on the thread that made the transition.
    long failures = b.failureCount();
    LOG.log(state == CircuitBreakerState.OPEN ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
      "breaker of backend {0} is now {1} ({2} recent failures)", id, state.name().toLowerCase(java.util.Locale.ROOT), failures);
    vertx.eventBus().publish(Addresses.BREAKER, new JsonObject()
      .put("backend", id)
      .put("state", state.name().toLowerCase(java.util.Locale.ROOT))
      .put("failures", failures)
      .put("router", routerId)
      .put("time", System.currentTimeMillis()));
  }

  public void close() {
    breakers.values().forEach(CircuitBreaker::close);
    breakers.clear();
  }
}
