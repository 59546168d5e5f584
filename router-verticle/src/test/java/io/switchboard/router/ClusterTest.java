package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.web.WebVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two routers in one Hazelcast cluster (two clustered Vert.x instances on loopback): a backend's rate limit holds
 * for their combined traffic, and an operator's change made through one router's admin API is applied by the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {

  static final String TOKEN = "s3cret-admin-token";
  static final long WINDOW_MS = 2000;
  static final long RPM = 6000;
  static final long PER_WINDOW = RPM * WINDOW_MS / 60_000;
  static final java.util.Set<String> COMPARE_KEYS = java.util.Set.of("provider", "model", "estimated_cost_usd", "privacy", "eligible", "reason");

  private ClusterPair cluster;
  private JsonObject routerConf;
  private ScriptedChatBackend capped;
  private int webA;
  private int webB;
  /** One event-loop context per node, on which the tests start their HTTP requests (see {@link OnContext}). */
  private final Map<Vertx, Context> contexts = new HashMap<>();

  @BeforeAll
  void start() throws Exception {
    cluster = ClusterPair.start();
    routerConf = new JsonObject()
      .put("heartbeat_timeout_ms", 2000)
      .put("limits", new JsonObject().put("window_ms", WINDOW_MS))
      .put("backends", new JsonArray()
        .add(new JsonObject().put("id", "capped").put("type", "scripted").put("limits", new JsonObject().put("rpm", RPM))));
    for (Vertx v : List.of(cluster.a, cluster.b)) {
      v.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(routerConf)).await(30, TimeUnit.SECONDS);
    }
    capped = backend(cluster.a, "capped", 10, "capped-model");
    backend(cluster.a, "alpha", 10, "m1");
    backend(cluster.b, "beta", 20, "m1");
    webA = web(cluster.a);
    webB = web(cluster.b);
    MeshFixture.awaitLive(cluster.a, 3);
    MeshFixture.awaitLive(cluster.b, 3);
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  private static ScriptedChatBackend backend(Vertx v, String id, int priority, String model) throws Exception {
    ScriptedChatBackend b = new ScriptedChatBackend(v, id, priority, Privacy.CLOUD, List.of(model));
    v.deployVerticle(new BackendVerticle(b), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 200)))
      .await(30, TimeUnit.SECONDS);
    return b;
  }

  private static int web(Vertx v) throws Exception {
    WebVerticle web = new WebVerticle();
    v.deployVerticle(web, new DeploymentOptions().setConfig(new JsonObject().put("port", 0).put("host", "127.0.0.1")
      .put("admin_token", TOKEN))).await(30, TimeUnit.SECONDS);
    return web.actualPort();
  }

  // ---- rate limit across routers

  /** Per rate window: how many requests a router turned away at the limit (the callers wanted more than it). */
  private static final Map<Long, AtomicInteger> TURNED_AWAY = new java.util.concurrent.ConcurrentHashMap<>();

  /** Closed-loop callers on one node's router until {@code until}; a 429 waits a little before trying again. */
  private static Future<Void> load(Vertx v, String tag, int callers, long until, AtomicInteger limited) {
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Promise<Void> done = Promise.promise();
      AtomicInteger n = new AtomicInteger();
      String caller = tag + "-" + i + "#";
      v.runOnContext(x -> call(v, caller, n, until, limited, done));
      all.add(done.future());
    }
    return Future.all(all).mapEmpty();
  }

  private static void call(Vertx v, String tag, AtomicInteger n, long until, AtomicInteger limited, Promise<Void> done) {
    if (System.currentTimeMillis() >= until || n.get() > 100_000) {
      done.complete();
      return;
    }
    JsonObject body = new JsonObject().put("model", "capped-model")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", tag + n.incrementAndGet())));
    v.eventBus().request(Addresses.CHAT, body, new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000)).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof MeshException e && e.errorCode() == ErrorCode.RATE_LIMITED) {
        limited.incrementAndGet();
        TURNED_AWAY.computeIfAbsent(System.currentTimeMillis() / WINDOW_MS, w -> new AtomicInteger()).incrementAndGet();
        v.setTimer(20, t -> call(v, tag, n, until, limited, done));
      } else {
        call(v, tag, n, until, limited, done);
      }
    });
  }

  @Test
  void aBackendsLimitHoldsForTheCombinedTrafficOfTwoRouters() throws Exception {
    long until = System.currentTimeMillis() + 5 * WINDOW_MS + 500;
    AtomicInteger limitedA = new AtomicInteger();
    AtomicInteger limitedB = new AtomicInteger();
    Future.all(load(cluster.a, "A", 6, until, limitedA), load(cluster.b, "B", 6, until, limitedB)).await(60, TimeUnit.SECONDS);

    Map<Long, int[]> perWindow = new TreeMap<>();
    for (ScriptedChatBackend.Seen s : capped.seen) {
      perWindow.computeIfAbsent(s.atMs() / WINDOW_MS, k -> new int[2])[s.content().startsWith("A") ? 0 : 1]++;
    }
    List<Long> windows = new ArrayList<>(perWindow.keySet());
    perWindow.forEach((w, r) -> System.out.println("rate window " + w + ": router A " + r[0] + ", router B " + r[1] + ", limit " + PER_WINDOW));
    assertTrue(windows.size() >= 5, "the load spanned several windows: " + windows);
    assertTrue(limitedA.get() > 0 && limitedB.get() > 0, "both routers were turned away at the limit");
    // Counted where the backend received them: the first and last windows are partial (the load started and stopped
    // inside them), and the first whole one also holds the requests admitted at the end of the first that were still
    // on their way (slow while the JVM warms up), so the steady windows are those in between.
    // Within one window the share between the routers depends on timing (a router whose callers are backing off after a
    // 429 can find the window used up by the other's when they return), so the share is checked over the steady windows
    // together; the limit in each.
    int[] steady = new int[2];
    for (Long w : windows.subList(2, windows.size() - 1)) {
      int[] byRouter = perWindow.get(w);
      int served = byRouter[0] + byRouter[1];
      String detail = "window " + w + ": router A " + byRouter[0] + " + router B " + byRouter[1] + " = " + served + ", limit " + PER_WINDOW;
      assertTrue(served <= PER_WINDOW * 1.05, detail);
      // The whole limit is usable: a window in which the routers turned requests away was served up to the limit. (A
      // window without a 429 is one the callers could not fill: on a starved machine twelve callers need not reach
      // the limit, which says nothing about the limit.)
      if (TURNED_AWAY.containsKey(w)) {
        assertTrue(served >= PER_WINDOW * 0.95, detail + ", turned away " + TURNED_AWAY.get(w));
      }
      steady[0] += byRouter[0];
      steady[1] += byRouter[1];
    }
    assertTrue(steady[0] > 0 && steady[1] > 0, "both routers served within the shared limit: A " + steady[0] + ", B " + steady[1]);
  }

  // ---- admin API across routers

  private HttpResponse<Buffer> admin(Vertx v, int port, HttpMethod method, String path, String token, JsonObject body) throws Exception {
    return adminCall(v, port, method, path, token, body).await(20, TimeUnit.SECONDS);
  }

  private Future<HttpResponse<Buffer>> adminCall(Vertx v, int port, HttpMethod method, String path, String token, JsonObject body) {
    var req = WebClient.create(v).request(method, port, "127.0.0.1", path);
    if (token != null) {
      req.putHeader("authorization", "Bearer " + token);
    }
    Context context = contexts.computeIfAbsent(v, Vertx::getOrCreateContext);
    return OnContext.start(context, () -> body == null ? req.send() : req.sendJsonObject(body));
  }

  private JsonObject provider(JsonObject status, String id) {
    return status.getJsonArray("backends").stream().map(o -> (JsonObject) o).filter(b -> id.equals(b.getString("id")))
      .findFirst().orElseThrow(() -> new AssertionError("no " + id + " in " + status));
  }

  @Test
  void everyAdminRouteNeedsTheToken() throws Exception {
    Object[][] routes = {
      {HttpMethod.GET, "/api/v1/providers/status", null},
      {HttpMethod.GET, "/api/v1/providers/health", null},
      {HttpMethod.POST, "/api/v1/providers/update", new JsonObject().put("provider", "alpha").put("enabled", false)},
      {HttpMethod.POST, "/api/v1/providers/compare-cost", new JsonObject().put("model", "m1")},
      {HttpMethod.GET, "/api/v1/strategy", null},
      {HttpMethod.PUT, "/api/v1/strategy", new JsonObject().put("strategy", "cost")},
    };
    for (Object[] r : routes) {
      for (String token : new String[]{null, "wrong", TOKEN + "x", ""}) {
        HttpResponse<Buffer> res = admin(cluster.a, webA, (HttpMethod) r[0], (String) r[1], token, (JsonObject) r[2]);
        assertEquals(401, res.statusCode(), r[0] + " " + r[1] + " with token " + token);
        assertEquals("invalid_api_key", res.bodyAsJsonObject().getJsonObject("error").getString("code"));
      }
    }
    JsonObject strategy = admin(cluster.a, webA, HttpMethod.GET, "/api/v1/strategy", TOKEN, null).bodyAsJsonObject();
    assertEquals("fallback", strategy.getString("strategy"), "nothing changed without the token");
  }

  @Test
  void anUpdateThroughOneRouterIsAppliedByTheOther() throws Exception {
    HttpResponse<Buffer> res = admin(cluster.a, webA, HttpMethod.POST, "/api/v1/providers/update", TOKEN,
      new JsonObject().put("provider", "alpha").put("enabled", false).put("config", new JsonObject().put("note", "maintenance")));
    assertEquals(200, res.statusCode(), res.bodyAsString());

    JsonObject alphaOnB = Eventually.until(cluster.b, "router B to apply the change made through router A", 10_000,
      () -> adminCall(cluster.b, webB, HttpMethod.GET, "/api/v1/providers/status", TOKEN, null)
        .map(status -> provider(status.bodyAsJsonObject(), "alpha")),
      alpha -> !alpha.getBoolean("enabled")).await(15, TimeUnit.SECONDS);
    assertEquals("maintenance", alphaOnB.getJsonObject("override").getJsonObject("config").getString("note"));
    for (String key : List.of("priority", "capabilities", "models", "privacy", "breaker", "health", "latency_ms", "error_rate", "usage")) {
      assertTrue(alphaOnB.containsKey(key), "status has " + key + ": " + alphaOnB);
    }

    Context onB = contexts.computeIfAbsent(cluster.b, Vertx::getOrCreateContext);
    HttpResponse<Buffer> chat = OnContext.start(onB, () -> WebClient.create(cluster.b).post(webB, "127.0.0.1", "/v1/chat/completions")
      .sendJsonObject(new JsonObject().put("model", "m1")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))))).await(20, TimeUnit.SECONDS);
    assertEquals(200, chat.statusCode(), chat.bodyAsString());
    assertEquals("beta", chat.getHeader(Headers.BACKEND));
    assertTrue(chat.getHeader(Headers.ROUTE).contains("alpha(disabled by admin)"), chat.getHeader(Headers.ROUTE));

    // A router that starts after the change joins in step (it reads the cluster-wide record of changes).
    cluster.b.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(routerConf)).await(30, TimeUnit.SECONDS);
    // Node B's two routers answer its local status requests in turn; the new one knows alpha once it heard its heartbeat.
    for (int answers = 0; answers < 4; answers++) {
      JsonObject status = Eventually.until(cluster.b, "a router of node B that knows alpha", 10_000,
        () -> cluster.b.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status"),
          new DeliveryOptions().setLocalOnly(true)).map(Message::body),
        answer -> answer.getJsonArray("backends").stream().anyMatch(o -> "alpha".equals(((JsonObject) o).getString("id"))))
        .await(15, TimeUnit.SECONDS);
      assertFalse(provider(status, "alpha").getBoolean("enabled"), "every router of node B sees alpha disabled");
    }

    JsonObject strategy = admin(cluster.b, webB, HttpMethod.PUT, "/api/v1/strategy", TOKEN,
      new JsonObject().put("alias_strategies", new JsonObject().put("light", "cost"))).bodyAsJsonObject();
    assertEquals("cost", strategy.getJsonObject("alias_strategies").getString("light"));
    Eventually.until(cluster.a, "router A to apply the strategy set through B", 10_000,
      () -> adminCall(cluster.a, webA, HttpMethod.GET, "/api/v1/strategy", TOKEN, null).map(HttpResponse::bodyAsJsonObject),
      onA -> "cost".equals(onA.getJsonObject("alias_strategies").getString("light"))).await(15, TimeUnit.SECONDS);

    HttpResponse<Buffer> bad = admin(cluster.a, webA, HttpMethod.PUT, "/api/v1/strategy", TOKEN, new JsonObject().put("strategy", "cheapest"));
    assertEquals(400, bad.statusCode());
    assertTrue(bad.bodyAsJsonObject().getJsonObject("error").getString("message").contains("cheapest"));

    assertEquals(200, admin(cluster.a, webA, HttpMethod.POST, "/api/v1/providers/update", TOKEN,
      new JsonObject().put("provider", "alpha").put("enabled", true)).statusCode());
  }

  @Test
  void compareCostAndHealthAnswerForTheLiveBackends() throws Exception {
    JsonObject cmp = admin(cluster.a, webA, HttpMethod.POST, "/api/v1/providers/compare-cost", TOKEN, new JsonObject()
      .put("model", "m1").put("privacy", "local")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello")))).bodyAsJsonObject();
    JsonArray providers = cmp.getJsonArray("providers");
    assertEquals(2, providers.size(), cmp.encodePrettily());
    for (Object o : providers) {
      JsonObject p = (JsonObject) o;
      assertEquals(COMPARE_KEYS, p.fieldNames());
      assertFalse(p.getBoolean("eligible"), "cloud backends are not eligible for privacy=local");
      assertEquals("privacy cloud exceeds local", p.getString("reason"));
    }
    assertTrue(cmp.containsKey("cheapest"));

    JsonObject health = admin(cluster.a, webA, HttpMethod.GET, "/api/v1/providers/health", TOKEN, null).bodyAsJsonObject();
    List<String> ids = health.getJsonArray("backends").stream().map(o -> ((JsonObject) o).getString("id")).sorted().toList();
    assertEquals(List.of("alpha", "beta", "capped"), ids);
    JsonObject first = health.getJsonArray("backends").getJsonObject(0);
    assertEquals("up", first.getJsonObject("health").getString("status"));
    assertNotNull(first.getLong("took_ms"));
  }
}
