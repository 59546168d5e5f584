package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.Eventually;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.web.WebVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin page's server side over a real web verticle and router: logging in (fixed delay, right or wrong), the
 * session cookie, CSRF on every change made with it, the bearer token for scripts as before, logging out everywhere,
 * the audit list, the live feed and its end when the node drains, the page's files.
 */
@ExtendWith(VertxExtension.class)
class ConsoleApiTest {

  static final String TOKEN = "admin-token-for-the-console-api-test";
  static final long DELAY_MS = 250;

  private MeshFixture mesh;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = MeshFixture.alphaBehindWeb(vertx, new JsonObject().put("admin_token", TOKEN).put("admin_login_delay_ms", DELAY_MS)
      .put("node_name", "test-node"));
  }

  private HttpResponse<Buffer> send(Supplier<Future<HttpResponse<Buffer>>> call) throws Exception {
    return OnContext.start(mesh.context, call).await(10, TimeUnit.SECONDS);
  }

  private HttpRequest<Buffer> req(HttpMethod method, String path) {
    return mesh.client.request(method, mesh.port, "127.0.0.1", path);
  }

  private HttpResponse<Buffer> login(String token) throws Exception {
    return send(() -> req(HttpMethod.POST, "/admin/api/session").putHeader("content-type", "application/json")
      .sendJsonObject(new JsonObject().put("token", token).put("name", "carol")));
  }

  /** The {@code name=value} of the session cookie a login set. */
  private static String cookie(HttpResponse<Buffer> login) {
    String set = login.cookies().stream().filter(c -> c.startsWith("switchboard_admin=")).findFirst().orElseThrow();
    return set.substring(0, set.indexOf(';'));
  }

  @Test
  void aLoginIsAnsweredAfterTheSameDelayRightOrWrong() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<Buffer> wrong = login("nope");
    long wrongMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(401, wrong.statusCode(), wrong.bodyAsString());
    assertTrue(wrong.cookies().isEmpty(), "no cookie for a wrong token");
    long t1 = System.nanoTime();
    HttpResponse<Buffer> right = login(TOKEN);
    long rightMs = (System.nanoTime() - t1) / 1_000_000;
    assertEquals(200, right.statusCode(), right.bodyAsString());
    assertTrue(wrongMs >= DELAY_MS && rightMs >= DELAY_MS, "both wait the fixed delay: wrong " + wrongMs + " ms, right " + rightMs + " ms");
    String set = right.cookies().get(0);
    assertTrue(set.toLowerCase(java.util.Locale.ROOT).contains("httponly") && set.contains("SameSite=Strict") && set.contains("Max-Age=") && set.contains("Path=/"), set);
    assertFalse(set.contains("Secure"), "plain HTTP: " + set);
    assertFalse(set.contains(TOKEN), set);
    JsonObject session = right.bodyAsJsonObject();
    assertEquals("carol", session.getString("name"));
    assertTrue(session.getString("csrf").length() > 20);
    assertEquals(415, send(() -> req(HttpMethod.POST, "/admin/api/session").putHeader("content-type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer("token=" + TOKEN))).statusCode(), "a form post (say, from another site) is no login");
  }

  @Test
  void changesWithTheCookieNeedTheCsrfTokenAndTheBearerTokenStillWorks() throws Exception {
    HttpResponse<Buffer> login = login(TOKEN);
    String cookie = cookie(login);
    String csrf = login.bodyAsJsonObject().getString("csrf");
    JsonObject disable = new JsonObject().put("provider", "alpha").put("enabled", false);
    HttpResponse<Buffer> none = send(() -> req(HttpMethod.POST, "/api/v1/providers/update").putHeader("cookie", cookie).sendJsonObject(disable));
    assertEquals(403, none.statusCode(), none.bodyAsString());
    assertEquals("permission_denied", none.bodyAsJsonObject().getJsonObject("error").getString("code"));
    HttpResponse<Buffer> forged = send(() -> req(HttpMethod.POST, "/api/v1/providers/update").putHeader("cookie", cookie)
      .putHeader("x-csrf-token", csrf + "x").sendJsonObject(disable));
    assertEquals(403, forged.statusCode());
    assertTrue(mesh.status("alpha").getBoolean("enabled"), "refused changes changed nothing");
    assertEquals(200, send(() -> req(HttpMethod.GET, "/api/v1/providers/status").putHeader("cookie", cookie).send()).statusCode(),
      "reading needs no CSRF token");
    HttpResponse<Buffer> ok = send(() -> req(HttpMethod.POST, "/api/v1/providers/update").putHeader("cookie", cookie)
      .putHeader("x-csrf-token", csrf).sendJsonObject(disable));
    assertEquals(200, ok.statusCode(), ok.bodyAsString());
    assertFalse(mesh.status("alpha").getBoolean("enabled"));
    // a key's limits (PATCH) are a change like any other: refused without the token; with it, on to the key service
    // (which this node, without a usage ledger, does not have)
    JsonObject limits = new JsonObject().put("limits", new JsonObject().put("daily_budget_usd", 1));
    assertEquals(403, send(() -> req(HttpMethod.PATCH, "/api/v1/keys/k_abc").putHeader("cookie", cookie).sendJsonObject(limits)).statusCode());
    HttpResponse<Buffer> patched = send(() -> req(HttpMethod.PATCH, "/api/v1/keys/k_abc").putHeader("cookie", cookie)
      .putHeader("x-csrf-token", csrf).sendJsonObject(limits));
    assertEquals(503, patched.statusCode(), patched.bodyAsString());
    assertTrue(patched.bodyAsString().contains("usage ledger"), patched.bodyAsString());
    HttpResponse<Buffer> script = send(() -> req(HttpMethod.POST, "/api/v1/providers/update").putHeader("authorization", "Bearer " + TOKEN)
      .sendJsonObject(new JsonObject().put("provider", "alpha").put("enabled", true)));
    assertEquals(200, script.statusCode(), "the bearer token needs no CSRF token");
    assertEquals(401, send(() -> req(HttpMethod.GET, "/api/v1/providers/status").putHeader("authorization", "Bearer wrong").send()).statusCode());
    assertEquals(401, send(() -> req(HttpMethod.GET, "/api/v1/providers/status").putHeader("cookie", "switchboard_admin=v1.forged").send()).statusCode());
  }

  @Test
  void changesAreAuditedWithWhoWhatAndWhen(Vertx vertx) throws Exception {
    HttpResponse<Buffer> login = login(TOKEN);
    String cookie = cookie(login);
    String csrf = login.bodyAsJsonObject().getString("csrf");
    long before = System.currentTimeMillis();
    send(() -> req(HttpMethod.PUT, "/api/v1/strategy").putHeader("cookie", cookie).putHeader("x-csrf-token", csrf)
      .sendJsonObject(new JsonObject().put("strategy", "cost")));
    send(() -> req(HttpMethod.POST, "/api/v1/providers/update").putHeader("authorization", "Bearer " + TOKEN)
      .sendJsonObject(new JsonObject().put("provider", "alpha").put("priority", 5)));
    send(() -> req(HttpMethod.POST, "/api/v1/providers/compare-cost").putHeader("authorization", "Bearer " + TOKEN)
      .sendJsonObject(new JsonObject().put("model", "m1").put("messages", new JsonArray())));
    send(() -> req(HttpMethod.PUT, "/api/v1/strategy").putHeader("authorization", "Bearer " + TOKEN)
      .sendJsonObject(new JsonObject().put("strategy", "no-such-strategy")));
    JsonArray entries = send(() -> req(HttpMethod.GET, "/admin/api/audit").putHeader("cookie", cookie).send()).bodyAsJsonObject()
      .getJsonArray("entries");
    assertEquals(3, entries.size(), "login, the strategy, the priority; not the read-only compare-cost nor the refused change: " + entries.encodePrettily());
    JsonObject priority = entries.getJsonObject(0);
    assertEquals("admin token", priority.getString("who"));
    assertEquals("POST /api/v1/providers/update", priority.getString("action"));
    assertEquals(new JsonObject().put("provider", "alpha").put("priority", 5), priority.getJsonObject("detail"));
    JsonObject strategy = entries.getJsonObject(1);
    assertTrue(strategy.getString("who").startsWith("carol (session "), strategy.encode());
    assertEquals("PUT /api/v1/strategy", strategy.getString("action"));
    assertEquals("test-node", strategy.getString("node"));
    assertTrue(strategy.getLong("time") >= before, strategy.encode());
    assertEquals("login", entries.getJsonObject(2).getString("action"));
  }

  @Test
  void loggingOutEndsTheSession() throws Exception {
    HttpResponse<Buffer> login = login(TOKEN);
    String cookie = cookie(login);
    String csrf = login.bodyAsJsonObject().getString("csrf");
    assertTrue(send(() -> req(HttpMethod.GET, "/admin/api/session").putHeader("cookie", cookie).send()).bodyAsJsonObject().getBoolean("authenticated"));
    assertEquals(403, send(() -> req(HttpMethod.DELETE, "/admin/api/session").putHeader("cookie", cookie).send()).statusCode(),
      "logging out is a change: it needs the CSRF token too");
    HttpResponse<Buffer> out = send(() -> req(HttpMethod.DELETE, "/admin/api/session").putHeader("cookie", cookie).putHeader("x-csrf-token", csrf).send());
    assertEquals(200, out.statusCode());
    assertTrue(out.cookies().get(0).contains("Max-Age=0"), out.cookies().toString());
    assertFalse(send(() -> req(HttpMethod.GET, "/admin/api/session").putHeader("cookie", cookie).send()).bodyAsJsonObject().getBoolean("authenticated"));
    assertEquals(401, send(() -> req(HttpMethod.GET, "/api/v1/providers/status").putHeader("cookie", cookie).send()).statusCode(),
      "the old cookie is refused");
  }

  @Test
  void thePageIsServedWithItsSecurityHeaders() throws Exception {
    HttpResponse<Buffer> redirect = send(() -> req(HttpMethod.GET, "/admin").followRedirects(false).send());
    assertEquals(302, redirect.statusCode());
    assertEquals("/admin/", redirect.getHeader("location"));
    HttpResponse<Buffer> page = send(() -> req(HttpMethod.GET, "/admin/").send());
    assertEquals(200, page.statusCode());
    assertTrue(page.bodyAsString().contains("<script type=\"module\" src=\"js/app.js\"></script>"), page.bodyAsString());
    assertTrue(page.getHeader("content-security-policy").contains("script-src 'self'"));
    assertEquals("nosniff", page.getHeader("x-content-type-options"));
    HttpResponse<Buffer> js = send(() -> req(HttpMethod.GET, "/admin/js/app.js").send());
    assertEquals(200, js.statusCode());
    assertTrue(js.getHeader("content-type").contains("javascript"), js.getHeader("content-type"));
    assertFalse(js.bodyAsString().contains("http://") || js.bodyAsString().contains("https://"), "nothing fetched from elsewhere");
    assertEquals(401, send(() -> req(HttpMethod.GET, "/admin/api/audit").send()).statusCode());
    assertEquals(401, send(() -> req(HttpMethod.GET, "/api/v1/voice/calls").send()).statusCode(), "the calls list needs the token too");
    assertEquals(404, send(() -> req(HttpMethod.GET, "/admin/api/nothing").putHeader("authorization", "Bearer " + TOKEN).send()).statusCode());
  }

  @Test
  void theLiveFeedSendsStatusAndEndsWhenTheNodeDrains(Vertx vertx) throws Exception {
    String cookie = cookie(login(TOKEN));
    Promise<String> firstStatus = Promise.promise();
    Promise<String> drained = Promise.promise();
    StringBuilder seen = new StringBuilder();
    OnContext.start(mesh.context, () -> vertx.createHttpClient().request(new RequestOptions().setPort(mesh.port).setHost("127.0.0.1")
        .setURI("/admin/api/events").putHeader("cookie", cookie))
      .compose(r -> r.send()).map(HttpClientResponse.class::cast)).onSuccess(res -> {
        res.handler(chunk -> {
          seen.append(chunk.toString());
          if (seen.indexOf("event: status") >= 0) {
            firstStatus.tryComplete(seen.toString());
          }
        });
        res.endHandler(v -> drained.tryComplete(seen.toString()));
      });
    String status = firstStatus.future().await(10, TimeUnit.SECONDS);
    assertTrue(status.contains("\"id\":\"alpha\"") && status.contains("\"instance_list\":[{\"id\":\"") && status.contains("\"node\":{\"name\":\"test-node\""), status);
    long t0 = System.nanoTime();
    Future<Void> shutdown = mesh.web.shutdown(20_000);
    String all = drained.future().await(10, TimeUnit.SECONDS);
    assertTrue(all.contains("event: draining"), all);
    shutdown.await(10, TimeUnit.SECONDS);
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 20_000, "an open page does not hold the drain");
  }

  @Test
  void theLiveFeedOfASessionThatLogsOutEnds(Vertx vertx) throws Exception {
    HttpResponse<Buffer> login = login(TOKEN);
    String cookie = cookie(login);
    Promise<Void> ended = Promise.promise();
    OnContext.start(mesh.context, () -> vertx.createHttpClient().request(new RequestOptions().setPort(mesh.port).setHost("127.0.0.1")
        .setURI("/admin/api/events").putHeader("cookie", cookie))
      .compose(r -> r.send()).map(HttpClientResponse.class::cast))
      .onSuccess(res -> res.endHandler(v -> ended.tryComplete())).await(10, TimeUnit.SECONDS);
    assertEquals(200, send(() -> req(HttpMethod.DELETE, "/admin/api/session").putHeader("cookie", cookie)
      .putHeader("x-csrf-token", login.bodyAsJsonObject().getString("csrf")).send()).statusCode());
    ended.future().await(LiveFeed.PERIOD_MS * 3, TimeUnit.MILLISECONDS);
  }

  @Test
  void theCallsOfEveryVoiceNodeAreGathered(Vertx vertx) throws Exception {
    JsonObject empty = send(() -> req(HttpMethod.GET, "/api/v1/voice/calls").putHeader("authorization", "Bearer " + TOKEN).send()).bodyAsJsonObject();
    assertEquals(new JsonObject().put("calls", new JsonArray()).put("nodes", new JsonArray()), empty, "no voice node in the cluster");
    JsonObject call = new JsonObject().put("id", "call_1").put("transport", "twilio").put("mode", "pipeline").put("stage", "speaking")
      .put("turns", 2).put("latency_ms", new JsonObject().put("voice_to_voice_ms", 900));
    vertx.eventBus().publish(Addresses.VOICE_CALLS, new JsonObject().put("node", "voice-b").put("node_id", "b1").put("calls", new JsonArray().add(call))
      .put("active", 1).put("max_calls", 10).put("draining", false));
    vertx.eventBus().publish(Addresses.VOICE_CALLS, new JsonObject().put("node", "voice-a").put("node_id", "a1").put("calls", new JsonArray())
      .put("active", 0).put("max_calls", 10).put("draining", true));
    JsonObject both = Eventually.until(vertx, "both reports", 5000,
      () -> OnContext.start(mesh.context, () -> req(HttpMethod.GET, "/api/v1/voice/calls").putHeader("authorization", "Bearer " + TOKEN).send())
        .map(HttpResponse::bodyAsJsonObject), b -> b.getJsonArray("nodes").size() == 2).await(10, TimeUnit.SECONDS);
    assertEquals(new JsonArray().add(new JsonObject().put("node", "voice-a").put("active", 0).put("max_calls", 10).put("draining", true))
      .add(new JsonObject().put("node", "voice-b").put("active", 1).put("max_calls", 10).put("draining", false)), both.getJsonArray("nodes"));
    assertEquals(new JsonArray().add(call.copy().put("node", "voice-b")), both.getJsonArray("calls"));
  }

  @Test
  void withoutAnAdminTokenThePageIsOff(Vertx vertx) throws Exception {
    WebVerticle off = new WebVerticle();
    vertx.deployVerticle(off, new DeploymentOptions().setConfig(new JsonObject().put("port", 0).put("host", "127.0.0.1")))
      .await(10, TimeUnit.SECONDS);
    HttpResponse<Buffer> page = send(() -> mesh.client.get(off.actualPort(), "127.0.0.1", "/admin/").send());
    assertEquals(404, page.statusCode());
    assertTrue(page.bodyAsString().contains("SWITCHBOARD_ADMIN_TOKEN"), page.bodyAsString());
    assertNull(page.getHeader("set-cookie"));
  }
}
