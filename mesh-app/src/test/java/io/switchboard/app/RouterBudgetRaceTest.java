package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.router.Eventually;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.ScriptedChatBackend;
import io.switchboard.router.usage.UsageSettings;
import io.switchboard.usage.UsageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Budgets across router replicas: two routers on two clustered Vert.x instances share one key whose daily budget fits
 * 50 requests; 200 requests sent at once through both never get more than 50 served, every other one is refused
 * with 402, and once all is over the key's counter holds exactly what the served requests cost. Only one node runs
 * a ledger: the other router's records reach it over the cluster bus.
 */
class RouterBudgetRaceTest {

  @TempDir
  Path dir;

  @Test
  void twoRoutersNeverSpendPastOneBudget() throws Exception {
    TestCluster cluster = new TestCluster(dir.resolve("cluster"));
    Vertx a = cluster.member(Map.of());
    Vertx b = cluster.member(Map.of());
    try {
      a.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("store", "h2")
        .put("data_dir", dir.toString()))).await(30, TimeUnit.SECONDS);
      for (Vertx v : List.of(a, b)) {
        v.deployVerticle(new RouterVerticle(new UsageSettings(true, true, 10_000, true, null, false), null),
          new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_timeout_ms", 3000))).await(30, TimeUnit.SECONDS);
      }
      ScriptedChatBackend priced = new ScriptedChatBackend(a, "priced", 10, Privacy.CLOUD, List.of("m1"))
        .prices(new Prices(0, 0, 0, 0, 0.01));
      a.deployVerticle(new BackendVerticle(priced), new DeploymentOptions().setConfig(new JsonObject()
        .put("heartbeat_ms", 200).put("max_queue", 1000))).await(30, TimeUnit.SECONDS);
      MeshFixture.awaitLive(a, 1);
      MeshFixture.awaitLive(b, 1);

      JsonObject created = a.eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "create")
        .put("name", "race").put("limits", new JsonObject().put("daily_budget_usd", 0.50))).await(10, TimeUnit.SECONDS).body();
      String key = created.getString("api_key");
      String keyId = created.getJsonObject("key").getString("id");

      List<Future<Object>> answers = new ArrayList<>();
      JsonObject body = new JsonObject().put("model", "m1")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "race")));
      for (int i = 0; i < 200; i++) {
        Vertx from = i % 2 == 0 ? a : b;
        answers.add(from.eventBus().request(Addresses.CHAT, body.copy(), new DeliveryOptions()
          .addHeader(Headers.API_KEY, key).addHeader(Headers.REQUEST_ID, "race-" + i).setSendTimeout(60_000))
          .map(m -> (Object) m.body()));
      }
      Future.join(new ArrayList<>(answers)).otherwiseEmpty().await(120, TimeUnit.SECONDS);
      int served = 0;
      int refused = 0;
      for (Future<Object> answer : answers) {
        if (answer.succeeded()) {
          served++;
        } else {
          assertEquals(ErrorCode.BUDGET_EXCEEDED, MeshException.from(answer.cause()).errorCode(), answer.cause().getMessage());
          refused++;
        }
      }
      System.out.printf("budget race: %d served, %d refused with 402 (budget fits 50)%n", served, refused);
      assertTrue(served <= 50 && served >= 1, "served " + served);
      assertEquals(200, served + refused);
      assertEquals(served, priced.served.get());
      KeyVerifier verifier = KeyVerifier.overBus(b).await(10, TimeUnit.SECONDS);
      long held = BudgetGuard.overBus(b, verifier).dailyTotalMicros(keyId).await(10, TimeUnit.SECONDS);
      assertEquals(served * 10_000L, held, "the counter holds the cost of what was served, nothing reserved is left");
      // The router on b has no ledger of its own: its records crossed the cluster to a's.
      assertEquals(200, awaitRecords(b, "race-", 200));
    } finally {
      TestCluster.stop(List.of(), null, a, b);
    }
  }

  /** Records in the ledger whose request id starts with {@code prefix}, once there are {@code n} (or after 30 s). */
  private static long awaitRecords(Vertx v, String prefix, int n) throws Exception {
    return Eventually.until(v, n + " records of " + prefix + "*", 30_000,
      () -> v.eventBus().request(Addresses.USAGE_QUERY, new JsonObject().put("op", "export"))
        .map(csv -> String.valueOf(csv.body()).lines().filter(l -> l.startsWith(prefix)).count()),
      count -> count >= n).otherwise(-1L).await(35, TimeUnit.SECONDS);
  }
}
