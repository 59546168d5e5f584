package io.switchboard.router.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The usage ledger's state and the keys' budgets as gauges (docs/metrics.md), read over the bus like any admin client
 * would: the ledger's {@code status} (journal size, what is not yet in the store, the store's health) on every
 * {@link #refreshLedger}, and on {@link #refreshBudgets} each key's spend today and this month (UTC, from the store's
 * totals) against its budgets. Every router reports what the ledger answers it, so a cluster shows one series per
 * router: dashboards take the max. Budgets are refreshed less often (a month's totals are a query over the store).
 */
public final class LedgerGauges {

  private static final System.Logger LOG = System.getLogger(LedgerGauges.class.getName());
  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setSendTimeout(10_000);
  private static final String[] LEDGER = {"backlog_bytes", "journal_bytes", "journal_segments", "store_up", "fsync_waiting"};

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final double[] ledger = new double[LEDGER.length];
  /** "key|period" → {budget, spent}. */
  private final Map<String, double[]> budgets = new ConcurrentHashMap<>();
  private final Map<String, List<Meter>> budgetMeters = new ConcurrentHashMap<>();
  private boolean ledgerRegistered;

  public LedgerGauges(Vertx vertx, MeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /** Asks the ledger for its status; the gauges appear with the first answer. */
  public Future<Void> refreshLedger() {
    return vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"), OPTIONS)
      .map(reply -> {
        JsonObject s = reply.body();
        ledger[0] = s.getLong("backlog_bytes", 0L);
        ledger[1] = s.getLong("journal_bytes", 0L);
        ledger[2] = s.getInteger("journal_segments", 0);
        ledger[3] = s.getBoolean("store_ready", false) ? 1 : 0;
        ledger[4] = s.getInteger("waiting_for_fsync", 0);
        registerLedger();
        return (Void) null;
      })
      .recover(err -> {
        // No ledger answers: the store is not up as far as this router can tell.
        ledger[3] = 0;
        return Future.succeededFuture();
      });
  }

  private void registerLedger() {
    if (ledgerRegistered) {
      return;
    }
    ledgerRegistered = true;
    String[] help = {
      "bytes journaled but not yet in the store (the ledger's lag)",
      "bytes in the journal's segment files",
      "segment files in the journal",
      "1 when the usage store takes records (0: records wait in the journal)",
      "usage records waiting for their fsync"};
    for (int i = 0; i < LEDGER.length; i++) {
      int index = i;
      Gauge.builder("switchboard.ledger." + LEDGER[i].replace('_', '.'), ledger, x -> x[index]).description(help[i])
        .strongReference(true).register(registry);
    }
  }

  /** Reads the keys and their spend; keys revoked or without budgets lose their gauges. */
  public Future<Void> refreshBudgets() {
    Instant now = Instant.now();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    long dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long monthStart = today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long end = now.toEpochMilli() + 1;
    Future<JsonObject> keys = request(Addresses.KEYS, new JsonObject().put("op", "list"));
    Future<Map<String, Double>> day = spent(dayStart, end);
    Future<Map<String, Double>> month = spent(monthStart, end);
    return Future.all(keys, day, month).map(v -> {
      Set<String> seen = new HashSet<>();
      for (Object o : keys.result().getJsonArray("keys", new JsonArray())) {
        if (o instanceof JsonObject key && key.getString("revoked_at") == null) {
          JsonObject limits = key.getJsonObject("limits", new JsonObject());
          String id = key.getString("id");
          put(seen, id, "day", limits.getValue("daily_budget_usd"), day.result().getOrDefault(id, 0d));
          put(seen, id, "month", limits.getValue("monthly_budget_usd"), month.result().getOrDefault(id, 0d));
        }
      }
      for (String gone : Set.copyOf(budgets.keySet())) {
        if (!seen.contains(gone)) {
          budgets.remove(gone);
          budgetMeters.remove(gone).forEach(registry::remove);
        }
      }
      return (Void) null;
    }).recover(err -> {
      LOG.log(System.Logger.Level.DEBUG, "key budgets not refreshed: {0}", err.getMessage());
      return Future.succeededFuture();
    });
  }

  private void put(Set<String> seen, String key, String period, Object budget, double spent) {
    if (!(budget instanceof Number b)) {
      return;
    }
    String id = key + "|" + period;
    seen.add(id);
    double[] values = budgets.computeIfAbsent(id, k -> {
      double[] v = new double[2];
      budgetMeters.put(k, List.of(
        Gauge.builder("switchboard.key.budget.usd", v, x -> x[0]).description("the key's budget for the period, US dollars")
          .tags("key", key, "period", period).register(registry),
        Gauge.builder("switchboard.key.spent.usd", v, x -> x[1]).description("what the key spent in the period (UTC), US dollars")
          .tags("key", key, "period", period).register(registry),
        Gauge.builder("switchboard.key.budget.remaining.usd", v, x -> Math.max(0, x[0] - x[1]))
          .description("what is left of the key's budget for the period, US dollars").tags("key", key, "period", period)
          .register(registry)));
      return v;
    });
    values[0] = b.doubleValue();
    values[1] = spent;
  }

  private Future<Map<String, Double>> spent(long from, long to) {
    return request(Addresses.USAGE_QUERY, new JsonObject().put("op", "query").put("group_by", "key").put("from", from).put("to", to))
      .map(answer -> {
        Map<String, Double> out = new HashMap<>();
        for (Object o : answer.getJsonArray("rows", new JsonArray())) {
          if (o instanceof JsonObject row && row.getString("key") != null) {
            out.put(row.getString("key"), row.getDouble("cost_usd", 0d));
          }
        }
        return out;
      });
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, OPTIONS).map(m -> m.body());
  }
}
