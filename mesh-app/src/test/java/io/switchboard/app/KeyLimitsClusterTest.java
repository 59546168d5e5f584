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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key's limits changed through one router are enforced at once by another (issue 18): two routers in their own
 * JVMs, one cluster, r1 with the ledger and r2 without. r2 has the key cached from a request it served; the change
 * made through r1's admin API ({@code PATCH /api/v1/keys/{id}}) answers only once r2's verifier has dropped it, so
 * r2's very next request is judged by the new limits, with no waiting: a model taken away is refused (403), given
 * back is served again.
 */
class KeyLimitsClusterTest {

  static final String ADMIN = "key-limits-admin-token";
  static final long START_MS = 120_000;

  private Vertx vertx;
  private TestCluster cluster;
  private final List<MeshProcess> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    TestCluster.stop(nodes, vertx);
  }

  private MeshProcess start(FakeOpenAiServer fake, String node, boolean localLedger) throws Exception {
    JsonObject conf = new JsonObject()
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
    Path file = cluster.conf("key-limits-" + node + ".yaml", conf);
    MeshProcess p = cluster.node("key-limits-" + node, "all", null, file, Map.of("FAKE_KEY", "sk-fake-key-limits"));
    nodes.add(p);
    return p;
  }

  @Test
  void aChangeThroughOneRouterIsEnforcedAtOnceByTheOther() throws Exception {
    vertx = Vertx.vertx();
    FakeOpenAiServer fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    fake.setDefault(Behaviour.reply("hello from the fake"));
    cluster = new TestCluster(MeshProcess.projectDir().resolve("mesh-app/target/key-limits"));
    MeshProcess r1 = start(fake, "r1", true);
    r1.awaitUp(START_MS);
    MeshProcess r2 = start(fake, "r2", false);
    r2.awaitUp(START_MS);
    UsageApi one = new UsageApi(r1.httpPort(), ADMIN);
    UsageApi two = new UsageApi(r2.httpPort(), ADMIN);

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
