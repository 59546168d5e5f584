package io.switchboard.app.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
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
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * API keys for callers on the bus, with the real usage verticle: a plaintext key in {@code x-switchboard-api-key}
 * is verified by the router (and never forwarded), a trusted {@code x-switchboard-key-id} is taken as is, and the
 * key's privacy ceiling, allowed models, rate and budget hold; each request's record names the key by id.
 */
class BusKeysTest {

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(new JsonObject().put("store", "h2")
      .put("data_dir", dir.toString()).put("idle_check_ms", 50))).await(20, TimeUnit.SECONDS);
    vertx.deployVerticle(new RouterVerticle(new UsageSettings(true, true, 5000, true, null, false), null),
      new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_timeout_ms", 2000))).await(10, TimeUnit.SECONDS);
    MeshFixture fixture = new MeshFixture(vertx);
    fixture.deploy(new ScriptedChatBackend(vertx, "cloudy", 10, Privacy.CLOUD, List.of("m1", "m2")).prices(new Prices(0, 0, 0, 0, 0.01)));
    fixture.backend("homely", 20, Privacy.LOCAL, "m1");
    fixture.awaitLive(2);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject createKey(JsonObject limits) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "create").put("name", "bus test")
      .put("limits", limits)).await(10, TimeUnit.SECONDS).body();
  }

  private Future<Message<JsonObject>> ask(String model, Map<String, String> headers) {
    DeliveryOptions options = new DeliveryOptions();
    headers.forEach(options::addHeader);
    return vertx.eventBus().request(Addresses.CHAT, new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello"))), options);
  }

  private static MeshException failure(Future<?> f) {
    try {
      f.await(10, TimeUnit.SECONDS);
    } catch (Throwable t) {
      return MeshException.from(t);
    }
    throw new AssertionError("expected a failure");
  }

  private static String servedBy(Message<JsonObject> reply) {
    return reply.body().getJsonObject(StreamProtocol.ROUTE).getString("backend");
  }

  @Test
  void aPlaintextKeyOnTheBusIsVerifiedAndItsRulesHold() throws Exception {
    JsonObject created = createKey(new JsonObject().put("allowed_models", new JsonArray().add("m1")));
    String key = created.getString("api_key");
    String id = created.getJsonObject("key").getString("id");

    Message<JsonObject> ok = ask("m1", Map.of(Headers.API_KEY, key, Headers.REQUEST_ID, "bus-1")).await(10, TimeUnit.SECONDS);
    assertEquals("cloudy", servedBy(ok));

    MeshException model = failure(ask("m2", Map.of(Headers.API_KEY, key)));
    assertEquals(ErrorCode.PERMISSION, model.errorCode(), model.getMessage());
    assertTrue(model.getMessage().contains("may not use model 'm2'"), model.getMessage());

    MeshException bad = failure(ask("m1", Map.of(Headers.API_KEY, key + "x", Headers.REQUEST_ID, "bus-bad")));
    assertEquals(ErrorCode.AUTHENTICATION, bad.errorCode());
    assertFalse(bad.getMessage().contains(key));

    MeshException trusted = failure(ask("m2", Map.of(Headers.KEY_ID, id)));
    assertEquals(ErrorCode.PERMISSION, trusted.errorCode(), "a trusted key id carries the key's rules too");

    vertx.eventBus().request(Addresses.KEYS, new JsonObject().put("op", "revoke").put("id", id)).await(10, TimeUnit.SECONDS);
    assertEquals(ErrorCode.AUTHENTICATION, failure(ask("m1", Map.of(Headers.API_KEY, key))).errorCode());
    assertEquals(ErrorCode.AUTHENTICATION, failure(ask("m1", Map.of(Headers.KEY_ID, id))).errorCode());

    String csv = awaitExport("bus-bad");
    assertTrue(csv.contains("bus-1," ) && csv.contains(id), csv);
    assertFalse(csv.contains(key), "the plaintext key is never recorded");
  }

  @Test
  void aKeysPrivacyCeilingHoldsWhateverTheRequestAsks() throws Exception {
    String key = createKey(new JsonObject().put("privacy", "local")).getString("api_key");
    JsonObject asksForCloud = new JsonObject().put("model", "m1").put("privacy", "cloud")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Message<JsonObject> reply = vertx.eventBus().<JsonObject>request(Addresses.CHAT, asksForCloud,
      new DeliveryOptions().addHeader(Headers.API_KEY, key)).await(10, TimeUnit.SECONDS);
    assertEquals("homely", servedBy(reply), "the cloud backend, first by priority, is not used");
    MeshException e = failure(ask("m2", Map.of(Headers.API_KEY, key)));
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    assertTrue(e.getMessage().contains("privacy=local"), e.getMessage());
  }

  @Test
  void aKeysRateLimitIsA429WithRetryAfter() throws Exception {
    String key = createKey(new JsonObject().put("requests_per_minute", 2)).getString("api_key");
    // Not across a minute's boundary: the window would start again.
    long intoMinute = System.currentTimeMillis() % 60_000;
    if (intoMinute > 55_000) {
      Thread.sleep(60_500 - intoMinute); // the scenario needs one window: at most 5.5 s to the next minute
    }
    ask("m1", Map.of(Headers.API_KEY, key)).await(10, TimeUnit.SECONDS);
    ask("m1", Map.of(Headers.API_KEY, key)).await(10, TimeUnit.SECONDS);
    MeshException limited = failure(ask("m1", Map.of(Headers.API_KEY, key)));
    assertEquals(ErrorCode.RATE_LIMITED, limited.errorCode(), limited.getMessage());
    assertTrue(limited.retryAfterMs() > 0 && limited.retryAfterMs() <= 60_000, "retry after " + limited.retryAfterMs());
    assertTrue(limited.getMessage().contains("rpm limit 2/min"), limited.getMessage());
  }

  @Test
  void aBudgetThatFitsTwoRequestsAdmitsTwo() throws Exception {
    JsonObject created = createKey(new JsonObject().put("daily_budget_usd", 0.025));
    String key = created.getString("api_key");
    for (int i = 0; i < 2; i++) {
      assertEquals("cloudy", servedBy(ask("m2", Map.of(Headers.API_KEY, key)).await(10, TimeUnit.SECONDS)));
    }
    MeshException over = failure(ask("m2", Map.of(Headers.API_KEY, key)));
    assertEquals(ErrorCode.BUDGET_EXCEEDED, over.errorCode(), over.getMessage());
    assertTrue(over.getMessage().contains("daily budget of $") && over.getMessage().contains("resets at"), over.getMessage());
    // The hold is the highest estimate among the candidates: m1 would go to the priced backend first.
    assertEquals(ErrorCode.BUDGET_EXCEEDED, failure(ask("m1", Map.of(Headers.API_KEY, key))).errorCode());
    // Forced to the free backend, nothing is held and the request passes.
    Message<JsonObject> free = vertx.eventBus().<JsonObject>request(Addresses.CHAT, new JsonObject().put("model", "m1")
        .put("provider", "homely").put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))),
      new DeliveryOptions().addHeader(Headers.API_KEY, key)).await(10, TimeUnit.SECONDS);
    assertEquals("homely", servedBy(free));
  }

  /** The CSV export once it holds {@code requestId} (records reach the store shortly after they are journaled). */
  private String awaitExport(String requestId) throws Exception {
    return Eventually.until(vertx, "a record of " + requestId + " in the export", 10_000,
      () -> vertx.eventBus().request(Addresses.USAGE_QUERY, new JsonObject().put("op", "export")).map(m -> String.valueOf(m.body())),
      csv -> csv.contains(requestId + ",")).await(15, TimeUnit.SECONDS);
  }
}
