package io.switchboard.app;

import io.switchboard.app.usage.UsageApi;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two routers in their own JVMs, one cluster, one ledger (issue 15): r1 runs the usage verticle on its embedded
 * store, r2 runs with {@code usage.local_ledger: false}. Keys need to be valid on every request. A key created through
 * r1 serves every request through r2; both list the same keys and report the same usage totals, again and again (with
 * a ledger on each router they alternated, the bus balancing between them); a key revoked through r2 is refused by
 * both. A third router that would bring its own embedded ledger into the cluster does not start, and says why.
 */
class OneLedgerPerClusterTest {

  static final String ADMIN = "one-ledger-admin-token";
  static final long START_MS = 120_000;

  private Vertx vertx;
  private FakeOpenAiServer fake;
  private TestCluster cluster;
  private final List<MeshProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    TestCluster.stop(nodes, vertx);
  }

  private JsonObject conf(FakeOpenAiServer fake, String node, boolean localLedger) {
    return new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", ADMIN))
      .put("auth", new JsonObject().put("require_keys", true))
      .put("reload", new JsonObject().put("scan_period_ms", 0))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "chat-" + node).put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "private").put("priority", 10).put("models", new JsonArray().add("gpt-4o-mini"))
        .put("aliases", new JsonObject())))
      .put("usage", new JsonObject().put("data_dir", cluster.dir.resolve(cluster.name + "/usage-" + node).toString())
        .put("local_ledger", localLedger).put("idle_check_ms", 100));
  }

  private MeshProcess start(FakeOpenAiServer fake, String node, boolean localLedger) throws Exception {
    Path conf = cluster.conf("one-ledger-" + node + ".yaml", conf(fake, node, localLedger));
    MeshProcess p = cluster.node("one-ledger-" + node, "all", null, conf, Map.of("FAKE_KEY", "sk-fake-one-ledger"));
    nodes.add(p);
    return p;
  }

  /** r1 with the ledger, r2 without, both up: their admin API clients. */
  private List<UsageApi> twoRouters() throws Exception {
    vertx = Vertx.vertx();
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    fake.setDefault(Behaviour.reply("hello from the fake"));
    cluster = new TestCluster(MeshProcess.projectDir().resolve("mesh-app/target/one-ledger"));
    MeshProcess r1 = start(fake, "r1", true);
    r1.awaitUp(START_MS);
    MeshProcess r2 = start(fake, "r2", false);
    r2.awaitUp(START_MS);
    return List.of(new UsageApi(r1.httpPort(), ADMIN), new UsageApi(r2.httpPort(), ADMIN));
  }

  @Test
  void keysRevocationsAndUsageGiveOneAnswerWhicheverRouterIsAsked() throws Exception {
    List<UsageApi> routers = twoRouters();
    UsageApi one = routers.get(0);
    UsageApi two = routers.get(1);

    JsonObject created = one.createKey("team-a", new JsonObject());
    String key = created.getString("api_key");
    String keyId = created.getJsonObject("key").getString("id");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String id = "one-ledger-" + i;
      ids.add(id);
      HttpResponse<String> res = (i % 2 == 0 ? two : one).chat(UsageApi.chatBody("gpt-4o-mini", false),
        "authorization", "Bearer " + key, "x-request-id", id);
      assertEquals(200, res.statusCode(), "request " + i + " through " + (i % 2 == 0 ? "r2" : "r1") + ": " + res.body());
    }
    one.awaitRecords(ids, 30_000);

    for (int round = 0; round < 4; round++) {
      for (UsageApi api : List.of(one, two)) {
        JsonArray keys = new JsonObject(api.admin("GET", "/api/v1/keys", null).body()).getJsonArray("keys");
        assertEquals(1, keys.size(), "one key, whichever router lists: " + keys);
        assertEquals(keyId, keys.getJsonObject(0).getString("id"));
        HttpResponse<String> byKey = api.admin("GET", "/api/v1/usage?group_by=key&from=" + LocalDate.now(ZoneOffset.UTC), null);
        assertEquals(200, byKey.statusCode(), byKey.body());
        JsonObject row = new JsonObject(byKey.body()).getJsonArray("rows").stream().map(o -> (JsonObject) o)
          .filter(r -> keyId.equals(r.getString("key"))).findFirst().orElseThrow(() -> new AssertionError(byKey.body()));
        assertEquals(6, row.getLong("requests"), "the same totals, whichever router is asked: " + row);
      }
    }

    HttpResponse<String> revoked = two.admin("DELETE", "/api/v1/keys/" + keyId, null);
    assertTrue(revoked.statusCode() / 100 == 2, revoked.statusCode() + " " + revoked.body());
    for (UsageApi api : List.of(one, two, one, two)) {
      HttpResponse<String> res = api.chat(UsageApi.chatBody("gpt-4o-mini", false), "authorization", "Bearer " + key);
      assertEquals(401, res.statusCode(), "a revoked key is refused by both routers: " + res.body());
    }

    // A third router with its own embedded ledger would split the cluster's keys and usage: it does not start.
    MeshProcess r3 = start(fake, "r3", true);
    int exit = r3.awaitExit(START_MS);
    assertNotEquals(0, exit);
    String out = r3.output();
    assertTrue(out.contains("this cluster already has a usage ledger") && out.contains("usage.local_ledger: false"), out);
    // ... and the cluster's one ledger still answers both routers.
    assertEquals(1, new JsonObject(two.admin("GET", "/api/v1/keys", null).body()).getJsonArray("keys").size());
  }

  /**
   * A key's limits changed through one router are enforced at once by the other (issue 18): r2 has the key cached
   * from a request it served; the change made through r1's admin API ({@code PATCH /api/v1/keys/{id}}) answers only
   * once r2's verifier has dropped it, so r2's very next request is judged by the new limits, with no waiting: a
   * model taken away is refused (403), given back is served again.
   */
  @Test
  void aChangeOfLimitsThroughOneRouterIsEnforcedAtOnceByTheOther() throws Exception {
    List<UsageApi> routers = twoRouters();
    UsageApi one = routers.get(0);
    UsageApi two = routers.get(1);

    JsonObject created = one.createKey("team-b", new JsonObject().put("allowed_models", new JsonArray().add("gpt-4o-mini")));
    String key = created.getString("api_key");
    String keyId = created.getJsonObject("key").getString("id");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> res = two.chat(UsageApi.chatBody("gpt-4o-mini", false), "authorization", "Bearer " + key);
      assertEquals(200, res.statusCode(), "served by r2, which now has the key cached: " + res.body());
    }

    HttpResponse<String> changed = one.admin("PATCH", "/api/v1/keys/" + keyId,
      new JsonObject().put("limits", new JsonObject().put("allowed_models", new JsonArray().add("gpt-4o")).put("daily_budget_usd", 3)));
    assertEquals(200, changed.statusCode(), changed.body());
    JsonObject limits = new JsonObject(changed.body()).getJsonObject("key").getJsonObject("limits");
    assertEquals(new JsonArray().add("gpt-4o"), limits.getJsonArray("allowed_models"));
    assertEquals(3.0, limits.getDouble("daily_budget_usd"));

    HttpResponse<String> refused = two.chat(UsageApi.chatBody("gpt-4o-mini", false), "authorization", "Bearer " + key);
    assertEquals(403, refused.statusCode(), "r2 judges the next request by the new limits: " + refused.body());
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains("may not use model 'gpt-4o-mini'"), error.encode());
    JsonObject listed = new JsonObject(two.admin("GET", "/api/v1/keys/" + keyId, null).body()).getJsonObject("key");
    assertEquals(3.0, listed.getJsonObject("limits").getDouble("daily_budget_usd"), "r2's admin API reads the stored change");

    HttpResponse<String> back = two.admin("PATCH", "/api/v1/keys/" + keyId,
      new JsonObject().put("limits", new JsonObject().put("allowed_models", null)));
    assertEquals(200, back.statusCode(), back.body());
    for (UsageApi api : List.of(one, two)) {
      HttpResponse<String> res = api.chat(UsageApi.chatBody("gpt-4o-mini", false), "authorization", "Bearer " + key);
      assertEquals(200, res.statusCode(), "every model allowed again: " + res.body());
    }
  }
}
