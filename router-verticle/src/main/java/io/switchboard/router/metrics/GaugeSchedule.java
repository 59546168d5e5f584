package io.switchboard.router.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * Keeps the router's gauges fresh: the backends' from the provider status every {@code refreshMs}, the ledger's as
 * often, the keys' budgets every {@code budgetRefreshMs}. Runs on the context that starts it (the router's), which owns
 * what the status reads. A refresh still under way is not started again.
 */
public final class GaugeSchedule {

  private final Vertx vertx;
  private final long[] timers = {-1, -1};

  private GaugeSchedule(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Starts the refreshes now and then periodically.
   *
   * @param status the provider status ({@code GET /api/v1/providers/status}'s JSON)
   * @param ledger whether this mesh has a usage ledger (then its gauges and the keys' budgets are read)
   */
  public static GaugeSchedule start(Vertx vertx, MeterRegistry registry, Supplier<Future<JsonObject>> status, boolean ledger,
                                    long refreshMs, long budgetRefreshMs) {
    GaugeSchedule schedule = new GaugeSchedule(vertx);
    BackendGauges backends = new BackendGauges(registry);
    LedgerGauges ledgerGauges = ledger ? new LedgerGauges(vertx, registry) : null;
    Refresh fast = new Refresh(() -> {
      Future<Void> b = status.get().map(s -> {
        backends.update(s);
        return null;
      });
      return ledgerGauges == null ? b : Future.join(b, ledgerGauges.refreshLedger()).mapEmpty();
    });
    schedule.timers[0] = vertx.setPeriodic(1, refreshMs, fast);
    if (ledgerGauges != null) {
      schedule.timers[1] = vertx.setPeriodic(1, budgetRefreshMs, new Refresh(ledgerGauges::refreshBudgets));
    }
    return schedule;
  }

  public void stop() {
    for (long t : timers) {
      if (t >= 0) {
        vertx.cancelTimer(t);
      }
    }
  }

  /** One periodic refresh that skips a tick while the previous one is still running. */
  private static final class Refresh implements io.vertx.core.Handler<Long> {
    private final Supplier<Future<Void>> work;
    private boolean running;

    Refresh(Supplier<Future<Void>> work) {
      this.work = work;
    }

    @Override
    public void handle(Long tick) {
      if (running) {
        return;
      }
      running = true;
      work.get().onComplete(ar -> running = false);
    }
  }
}
