package io.switchboard.usage;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.Reservation;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.SpentLookup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 200 concurrent reservations from two clustered Vert.x instances against a budget that fits 50: never more than
 * 50 succeed, the rest are refused with 402, and nothing stays held once everything is settled.
 */
class BudgetRaceTest {

  private static ClusterPair cluster;
  private static Vertx a;
  private static Vertx b;

  @BeforeAll
  static void cluster() {
    cluster = ClusterPair.start();
    a = cluster.a;
    b = cluster.b;
  }

  @AfterAll
  static void leave() throws Exception {
    cluster.close();
  }

  private static BudgetGuard guard(Vertx vertx, KeyLimits limits, SpentLookup spent) {
    return new BudgetGuard(vertx, id -> Future.succeededFuture(limits), spent, Clock.systemUTC());
  }

  /** {@code n} reservations of $0.10 for {@code key} at once, alternating between the nodes; each finished, granted or not. */
  private static List<Future<Reservation>> reserveAtOnce(BudgetGuard onA, BudgetGuard onB, String key, int n) throws Exception {
    List<Future<Reservation>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add((i % 2 == 0 ? onA : onB).reserve(key, 0.10));
    }
    Future.join(all).toCompletionStage().toCompletableFuture().exceptionally(e -> null).get();
    return all;
  }

  @Test
  void concurrentReservationsAcrossTwoNodesNeverOverspend() throws Exception {
    String key = "k_race_" + UUID.randomUUID().toString().substring(0, 8);
    KeyLimits limits = new KeyLimits(5.00, 1000.0, 0, null, List.of(), List.of());
    SpentLookup nothingSpent = (k, from, to) -> Future.succeededFuture(0L);
    BudgetGuard onA = guard(a, limits, nothingSpent);
    BudgetGuard onB = guard(b, limits, nothingSpent);

    List<Future<Reservation>> all = reserveAtOnce(onA, onB, key, 200);
    List<Reservation> granted = new ArrayList<>();
    for (Future<Reservation> f : all) {
      if (f.succeeded()) {
        granted.add(f.result());
      } else {
        MeshException e = assertInstanceOf(MeshException.class, f.cause());
        assertEquals(ErrorCode.BUDGET_EXCEEDED, e.errorCode());
        assertEquals(402, e.failureCode());
        assertTrue(e.getMessage().startsWith("daily budget of $5.00 for key " + key + " exhausted; resets at "), e.getMessage());
      }
    }
    System.getLogger(BudgetRaceTest.class.getName()).log(System.Logger.Level.INFO,
      "{0} of 200 concurrent reservations granted across two nodes", granted.size());
    assertTrue(granted.size() <= 50, granted.size() + " reservations of $0.10 fit in $5.00");
    assertTrue(granted.size() >= 1, "some reservations succeed");
    assertEquals(granted.size() * 100_000L, result(onB.dailyTotalMicros(key)), "refused reservations hold nothing");

    List<Future<Void>> settled = new ArrayList<>();
    for (int i = 0; i < granted.size(); i++) {
      settled.add((i % 2 == 0 ? onA : onB).settle(granted.get(i), 0));
    }
    result(Future.all(settled));
    assertEquals(0L, result(onA.dailyTotalMicros(key)));

    // Released, the budget takes exactly 50 again, one after another on alternating nodes.
    for (int i = 0; i < 50; i++) {
      result((i % 2 == 0 ? onA : onB).reserve(key, 0.10));
    }
    MeshException e = assertInstanceOf(MeshException.class, Await.failure(onB.reserve(key, 0.10)));
    assertEquals(ErrorCode.BUDGET_EXCEEDED, e.errorCode());
  }

  @Test
  void countersStartFromTheStoreOnceForTheWholeCluster() throws Exception {
    String key = "k_seed_" + UUID.randomUUID().toString().substring(0, 8);
    KeyLimits limits = new KeyLimits(null, 5.00, 0, null, List.of(), List.of());
    AtomicInteger lookups = new AtomicInteger();
    SpentLookup oneDollarSpent = (k, from, to) -> {
      lookups.incrementAndGet();
      return Future.succeededFuture(1_000_000L);
    };
    BudgetGuard onA = guard(a, limits, oneDollarSpent);
    BudgetGuard onB = guard(b, limits, oneDollarSpent);
    List<Future<Reservation>> all = reserveAtOnce(onA, onB, key, 100);
    long granted = all.stream().filter(Future::succeeded).count();
    assertTrue(granted <= 40 && granted >= 1, granted + " of $0.10 fit in the $4.00 left of $5.00");
    assertEquals(1, lookups.get(), "the month's counter is seeded from the store once, by one node");
    MeshException e = assertInstanceOf(MeshException.class, all.stream().filter(Future::failed).findFirst().orElseThrow().cause());
    assertTrue(e.getMessage().startsWith("monthly budget of $5.00 for key " + key), e.getMessage());
  }
}
