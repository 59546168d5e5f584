package io.switchboard.core.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.Reservation;
import io.switchboard.api.Usd;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Counter;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Keeps keys within their daily and monthly budgets across every router replica. Each key has one counter per
 * UTC day and one per UTC month in Vert.x shared data (Hazelcast-backed when clustered), in micro-dollars.
 * {@link #reserve} adds the estimate and, when that overshoots, takes it back and refuses (402), so concurrent
 * requests cannot spend past the budget together; {@link #settle} replaces the estimate by the real cost.
 * A counter starts from what the usage store says was spent in its period, once per cluster (under a
 * cluster-wide lock, remembered in a cluster-wide map).
 */
public final class BudgetGuard {

  private static final String COUNTER_PREFIX = "switchboard.budget.";
  private static final String INIT_LOCK_PREFIX = "switchboard.budget.init.";
  private static final String INIT_MAP = "switchboard.budget.initialized";
  private static final int MAX_CACHED = 10_000;

  /** One budget period of one key. */
  private record Period(String kind, String counter, long budgetMicros, long fromMs, long toMs) {
  }

  private final Vertx vertx;
  private final Function<String, Future<KeyLimits>> limitsOf;
  private final SpentLookup spent;
  private final Clock clock;
  private final Map<String, Future<Void>> initialised = new ConcurrentHashMap<>();

  /**
   * @param limitsOf the key's limits (usually {@code id -> verifier.get(id).map(ApiKey::limits)})
   * @param spent    what the store says the key spent in a period
   */
  public BudgetGuard(Vertx vertx, Function<String, Future<KeyLimits>> limitsOf, SpentLookup spent, Clock clock) {
    this.vertx = vertx;
    this.limitsOf = limitsOf;
    this.spent = spent;
    this.clock = clock;
  }

  /** A guard reading limits through {@code verifier} and seeding counters from the usage verticle over the bus. */
  public static BudgetGuard overBus(Vertx vertx, KeyVerifier verifier) {
    return new BudgetGuard(vertx, id -> verifier.get(id).map(ApiKey::limits), SpentLookup.overBus(vertx), Clock.systemUTC());
  }

  /**
   * Holds {@code estimateUsd} against the key's budgets. Fails with {@link ErrorCode#BUDGET_EXCEEDED} naming the
   * budget and when it resets; a null key or a key without budgets reserves nothing.
   */
  public Future<Reservation> reserve(String keyId, double estimateUsd) {
    if (keyId == null) {
      return Future.succeededFuture(Reservation.none(null));
    }
    long estimate = (long) Math.ceil(Math.max(0, estimateUsd) * 1_000_000d);
    return limitsOf.apply(keyId).compose(limits -> {
      List<Period> periods = periods(keyId, limits);
      if (periods.isEmpty()) {
        return Future.succeededFuture(Reservation.none(keyId));
      }
      return reserveIn(keyId, periods, 0, estimate, new ArrayList<>());
    });
  }

  private Future<Reservation> reserveIn(String keyId, List<Period> periods, int i, long estimate, List<String> taken) {
    if (i == periods.size()) {
      return Future.succeededFuture(new Reservation(keyId, estimate, taken));
    }
    Period p = periods.get(i);
    return initialise(keyId, p).compose(v -> counter(p.counter())).compose(c -> c.addAndGet(estimate).compose(total -> {
      boolean over = total > p.budgetMicros() || (estimate == 0 && total >= p.budgetMicros());
      if (!over) {
        taken.add(p.counter());
        return reserveIn(keyId, periods, i + 1, estimate, taken);
      }
      List<String> undo = new ArrayList<>(taken);
      undo.add(p.counter());
      return add(undo, -estimate).transform(ar -> Future.failedFuture(exceeded(keyId, p)));
    }));
  }

  /** Replaces the reservation's estimate by the real cost ({@code 0} releases it). */
  public Future<Void> settle(Reservation reservation, double actualUsd) {
    long actual = Math.round(Math.max(0, actualUsd) * 1_000_000d);
    long delta = actual - reservation.estimateMicros();
    if (reservation.counters().isEmpty() || delta == 0) {
      return Future.succeededFuture();
    }
    return add(reservation.counters(), delta);
  }

  /** Micro-dollars held or spent in the key's current day (for status pages and tests). */
  public Future<Long> dailyTotalMicros(String keyId) {
    LocalDate day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    return counter(COUNTER_PREFIX + keyId + ".day." + day).compose(Counter::get);
  }

  private Future<Void> add(List<String> counters, long delta) {
    List<Future<Long>> all = new ArrayList<>();
    for (String name : counters) {
      all.add(counter(name).compose(c -> c.addAndGet(delta)));
    }
    return Future.all(all).mapEmpty();
  }

  private List<Period> periods(String keyId, KeyLimits limits) {
    List<Period> out = new ArrayList<>();
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    if (limits.dailyBudgetUsd() != null) {
      out.add(new Period("daily", COUNTER_PREFIX + keyId + ".day." + today, micros(limits.dailyBudgetUsd()),
        startOf(today), startOf(today.plusDays(1))));
    }
    if (limits.monthlyBudgetUsd() != null) {
      LocalDate first = today.withDayOfMonth(1);
      out.add(new Period("monthly", COUNTER_PREFIX + keyId + ".month." + first.toString().substring(0, 7),
        micros(limits.monthlyBudgetUsd()), startOf(first), startOf(first.plusMonths(1))));
    }
    return out;
  }

  private static long startOf(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  private static long micros(double usd) {
    return Math.round(usd * 1_000_000d);
  }

  private static MeshException exceeded(String keyId, Period p) {
    return new MeshException(ErrorCode.BUDGET_EXCEEDED, String.format(Locale.ROOT,
      "%s budget of $%s for key %s exhausted; resets at %s", p.kind(), Usd.format(p.budgetMicros() / 1_000_000d), keyId,
      Instant.ofEpochMilli(p.toMs())));
  }

  private Future<Counter> counter(String name) {
    return vertx.sharedData().getCounter(name);
  }

  /** Seeds the period's counter from the store once per cluster; this node remembers it did. */
  private Future<Void> initialise(String keyId, Period p) {
    if (initialised.size() > MAX_CACHED) {
      initialised.clear();
    }
    Future<Void> f = initialised.computeIfAbsent(p.counter(), name -> seed(keyId, p));
    return f.recover(e -> {
      initialised.remove(p.counter(), f);
      return Future.failedFuture(new MeshException(ErrorCode.UNAVAILABLE,
        "budget state of key " + keyId + " unavailable: " + MeshException.from(e).getMessage()));
    });
  }

  private Future<Void> seed(String keyId, Period p) {
    return vertx.sharedData().getLockWithTimeout(INIT_LOCK_PREFIX + p.counter(), 10_000).compose(lock ->
      vertx.sharedData().<String, Boolean>getAsyncMap(INIT_MAP).compose(map -> map.get(p.counter()).compose(done -> {
        if (done != null) {
          return Future.<Void>succeededFuture();
        }
        long ttl = p.toMs() - p.fromMs() + 86_400_000L;
        return spent.spentMicros(keyId, p.fromMs(), p.toMs())
          .compose(s -> s == 0 ? Future.succeededFuture(0L) : counter(p.counter()).compose(c -> c.addAndGet(s)))
          .compose(v -> map.put(p.counter(), Boolean.TRUE, ttl));
      })).eventually(() -> {
        lock.release();
        return Future.succeededFuture();
      }));
  }
}
