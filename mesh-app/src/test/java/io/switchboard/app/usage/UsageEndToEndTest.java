package io.switchboard.app.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.PriceBook;
import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.config.PriceTable;
import io.switchboard.core.testkit.JournalTap;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.MeshFixture;
import io.switchboard.usage.query.UsageCsv;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The usage ledger on the whole request path, over HTTP, in one node: a cloud and a local OpenAI-compatible backend
 * (the real adapter against fake OpenAI servers), the usage verticle on an H2 store in a temporary folder, a price
 * table of its own. Every request leaves exactly one record; keys are managed through the admin API and their
 * privacy ceiling, allowed models, rate and budget hold; usage comes back as totals and CSV.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageEndToEndTest {

  static final String ADMIN = "admin-token-for-the-usage-test";
  static final double IN_PER_MTOK = 1000;
  static final double OUT_PER_MTOK = 2000;
  static final double METERED = 0.01;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  private Path dir;
  private FakeOpenAiServer cloud;
  private FakeOpenAiServer local;
  private UsageApi api;
  private PriceBook prices;
  /** Usage records sent on the bus or handed to the node's journal, by request id: each must be sent once. */
  private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("usage-e2e");
    cloud = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    local = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    Path pricesFile = dir.resolve("prices.yaml");
    Files.writeString(pricesFile, """
      read_on: "2026-01-01"
      providers:
        fakecloud:
          gpt-4o-mini: {input_per_mtok: %s, output_per_mtok: %s}
          metered:     {per_request: %s}
      """.formatted(IN_PER_MTOK, OUT_PER_MTOK, METERED));
    prices = PriceTable.load(pricesFile);
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", ADMIN))
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 3000).put("retries", new JsonObject().put("max", 0)))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("backends", new JsonArray()
        .add(backend("fakecloud", "cloud", 10, cloud, "gpt-4o-mini", "metered"))
        .add(backend("fakelocal", "local", 20, local, "gpt-4o-mini"))
        .add(backend("standby", "cloud", 30, cloud, "gpt-4o-mini").put("enabled", false)))
      .put("usage", new JsonObject().put("data_dir", dir.resolve("usage").toString()).put("prices_file", pricesFile.toString())
        .put("idle_check_ms", 50));
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      String address = ctx.message().address();
      if (Addresses.USAGE.equals(address) || Addresses.USAGE_BATCH.equals(address)) {
        UsageBatch.recordsOf(ctx.message().body())
          .forEach(r -> sent.computeIfAbsent(r.requestId(), k -> new AtomicInteger()).incrementAndGet());
      }
      ctx.next();
    });
    NodeOptions options = new NodeOptions("all", Set.of(), false, Path.of("conf"), null, Map.of("FAKE_KEY", "sk-fake-usage"), false);
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(30, TimeUnit.SECONDS);
    // The router hands its records to this node's journal directly, off the bus: counted there too.
    JournalTap.install(vertx, r -> sent.computeIfAbsent(r.requestId(), k -> new AtomicInteger()).incrementAndGet());
    api = new UsageApi(started.httpPort(), ADMIN);
    awaitReady();
  }

  private static JsonObject backend(String id, String privacy, int priority, FakeOpenAiServer fake, String... models) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat")).put("privacy", privacy)
      .put("priority", priority).put("models", new JsonArray(List.of((Object[]) models)))
      .put("aliases", new JsonObject().put("light", "gpt-4o-mini"))
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 2000).put("idle_ms", 2000));
  }

  private void awaitReady() throws Exception {
    MeshFixture.awaitLive(vertx, 2);
  }

  private static JsonObject error(HttpResponse<String> res) {
    return new JsonObject(res.body()).getJsonObject("error");
  }

  private static double cost(long in, long out) {
    return in * IN_PER_MTOK / 1e6 + out * OUT_PER_MTOK / 1e6;
  }

  @Test
  void everyRequestLeavesExactlyOneRecordWithItsFields() throws Exception {
    HttpResponse<String> ok = api.chat(UsageApi.chatBody("light", false), "x-request-id", "e2e-ok");
    assertEquals(200, ok.statusCode(), ok.body());
    JsonObject usage = new JsonObject(ok.body()).getJsonObject("usage");

    JsonObject streamBody = UsageApi.chatBody("light", true).put("stream_options", new JsonObject().put("include_usage", true));
    cloud.enqueue(Behaviour.reply("one two three four").chunks(4).chunkDelayMs(20));
    HttpResponse<String> stream = api.chat(streamBody, "x-request-id", "e2e-stream");
    assertTrue(stream.body().endsWith("data: [DONE]\n\n"), stream.body());
    String usageEvent = stream.body().substring(stream.body().lastIndexOf("data: {"), stream.body().lastIndexOf("data: [DONE]")).substring(6).trim();
    JsonObject streamUsage = new JsonObject(usageEvent).getJsonObject("usage");

    cloud.enqueue(Behaviour.error(500, "the upstream broke"));
    HttpResponse<String> failed = api.chat(UsageApi.chatBody("light", false).put("provider", "fakecloud"), "x-request-id", "e2e-fail");
    assertEquals(502, failed.statusCode(), failed.body());

    HttpResponse<String> invalid = api.chat(new JsonObject().put("model", "light"), "x-request-id", "e2e-invalid");
    assertEquals(400, invalid.statusCode(), invalid.body());
    HttpResponse<String> notJson = api.post("/v1/chat/completions", "text/plain", "hello", "x-request-id", "e2e-not-json");
    assertEquals(415, notJson.statusCode(), notJson.body());
    HttpResponse<String> unknown = api.chat(UsageApi.chatBody("no-such-model", false), "x-request-id", "e2e-unknown");
    assertEquals(404, unknown.statusCode(), unknown.body());

    List<String> ids = List.of("e2e-ok", "e2e-stream", "e2e-fail", "e2e-invalid", "e2e-not-json", "e2e-unknown");
    Map<String, List<Map<String, String>>> rows = api.awaitRecords(ids, 15_000);
    for (String id : ids) {
      assertEquals(1, rows.get(id).size(), id + ": " + rows.get(id));
      assertEquals(1, sent.get(id).get(), id + " was sent once");
    }
    Map<String, String> r = rows.get("e2e-ok").get(0);
    assertEquals("chat", r.get("capability"));
    assertEquals("fakecloud", r.get("backend"));
    assertEquals("gpt-4o-mini", r.get("model"));
    assertEquals("cloud", r.get("privacy"));
    assertEquals("", r.get("key_id"));
    assertEquals(usage.getLong("prompt_tokens"), Long.parseLong(r.get("input_tokens")));
    assertEquals(usage.getLong("completion_tokens"), Long.parseLong(r.get("output_tokens")));
    assertEquals(cost(usage.getLong("prompt_tokens"), usage.getLong("completion_tokens")), Double.parseDouble(r.get("cost_usd")), 1e-9);
    assertEquals("0", r.get("first_byte_ms"));
    assertEquals("200", r.get("status"));
    assertTrue(new JsonObject(r.get("route")).getString("backend").equals("fakecloud"), r.get("route"));

    Map<String, String> s = rows.get("e2e-stream").get(0);
    assertEquals(streamUsage.getLong("completion_tokens"), Long.parseLong(s.get("output_tokens")));
    assertEquals(4L, Long.parseLong(s.get("output_tokens")));
    assertTrue(Long.parseLong(s.get("first_byte_ms")) <= Long.parseLong(s.get("latency_ms")), s.toString());
    assertTrue(Long.parseLong(s.get("latency_ms")) >= 60, "four chunks 20 ms apart: " + s);

    Map<String, String> f = rows.get("e2e-fail").get(0);
    assertEquals("502", f.get("status"));
    assertEquals("UPSTREAM", f.get("error_code"));
    assertEquals("fakecloud", f.get("backend"));
    assertEquals(0, Double.parseDouble(f.get("cost_usd")));

    for (String id : List.of("e2e-invalid", "e2e-not-json")) {
      Map<String, String> e = rows.get(id).get(0);
      assertEquals("chat", e.get("capability"), id);
      assertEquals("", e.get("backend"), id);
    }
    assertEquals("INVALID_REQUEST", rows.get("e2e-invalid").get(0).get("error_code"));
    assertEquals("415", rows.get("e2e-not-json").get(0).get("status"));
    assertEquals("MODEL_NOT_FOUND", rows.get("e2e-unknown").get(0).get("error_code"));
  }

  @Test
  void keysAreCreatedUsedAndRevokedThroughTheAdminApi() throws Exception {
    assertEquals(401, api.admin("POST", "/api/v1/keys", new JsonObject().put("name", "x"), null).statusCode());
    assertEquals(401, api.admin("GET", "/api/v1/keys", null, "wrong-token").statusCode());
    JsonObject created = api.createKey("team-a", new JsonObject());
    String key = created.getString("api_key");
    String id = created.getJsonObject("key").getString("id");
    assertTrue(key.startsWith("sb-"), key);

    JsonObject listed = new JsonObject(api.admin("GET", "/api/v1/keys", null).body());
    assertTrue(listed.getJsonArray("keys").stream().anyMatch(k -> id.equals(((JsonObject) k).getString("id"))));
    assertFalse(listed.encode().contains(key), "the key is shown once, at creation");
    assertEquals("team-a", new JsonObject(api.admin("GET", "/api/v1/keys/" + id, null).body()).getJsonObject("key").getString("name"));

    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key, "x-request-id", "e2e-key-1").statusCode());
    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "x-api-key", key, "x-request-id", "e2e-key-2").statusCode());
    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer sk-not-a-switchboard-key").statusCode(),
      "keys are not required: a bearer that is not a Switchboard key is ignored");
    HttpResponse<String> bogus = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer sb-k_bogus_0123456789abcdef");
    assertEquals(401, bogus.statusCode(), bogus.body());
    assertEquals("invalid_api_key", error(bogus).getString("code"));

    assertEquals(200, api.admin("DELETE", "/api/v1/keys/" + id, null).statusCode());
    HttpResponse<String> revoked = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key, "x-request-id", "e2e-key-revoked");
    assertEquals(401, revoked.statusCode(), revoked.body());
    assertTrue(error(revoked).getString("message").contains("revoked"), revoked.body());

    assertEquals(id, api.record("e2e-key-1").get("key_id"));
    assertEquals(id, api.record("e2e-key-2").get("key_id"));
    Map<String, String> refused = api.record("e2e-key-revoked");
    assertEquals("401", refused.get("status"));
    assertFalse(api.export().contains(key), "the plaintext key is never recorded");
  }

  @Test
  void aKeysPrivacyCeilingHoldsEvenWhenTheRequestAsksForMore() throws Exception {
    String key = api.createKey("local-only", new JsonObject().put("privacy", "local")).getString("api_key");
    HttpResponse<String> served = api.chat(UsageApi.chatBody("light", false).put("privacy", "cloud"),
      "authorization", "Bearer " + key, "x-switchboard-privacy", "cloud", "x-request-id", "e2e-privacy");
    assertEquals(200, served.statusCode(), served.body());
    assertEquals("fakelocal", served.headers().firstValue("x-switchboard-backend").orElse(null), "not the cloud backend, first by priority");
    HttpResponse<String> refused = api.chat(UsageApi.chatBody("metered", false).put("privacy", "cloud"), "authorization", "Bearer " + key);
    assertEquals(503, refused.statusCode(), refused.body());
    assertTrue(error(refused).getString("message").contains("privacy=local"), refused.body());
    Map<String, String> r = api.record("e2e-privacy");
    assertEquals("local", r.get("privacy"));
    assertEquals("fakelocal", r.get("backend"));
  }

  @Test
  void aKeysAllowedModelsAreEnforced() throws Exception {
    String key = api.createKey("mini-only", new JsonObject().put("allowed_models", new JsonArray().add("gpt-4o-mini"))).getString("api_key");
    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key).statusCode());
    HttpResponse<String> refused = api.chat(UsageApi.chatBody("metered", false), "authorization", "Bearer " + key, "x-request-id", "e2e-403");
    assertEquals(403, refused.statusCode(), refused.body());
    assertTrue(error(refused).getString("message").contains("may not use model 'metered'"), refused.body());
    assertEquals("PERMISSION", api.record("e2e-403").get("error_code"));
  }

  /**
   * The README's key: privacy ceiling {@code private}, a cloud provider allowed. A model outside its list is 403 whatever
   * the backends' privacy (a permission, not an availability: retrying never helps); an allowed model that only a cloud
   * backend serves is 503 naming the privacy ceiling.
   */
  @Test
  void aModelOutsideTheKeysListIs403BeforeItsPrivacyCeilingIsConsidered() throws Exception {
    String key = api.createKey("team-a", new JsonObject().put("privacy", "private")
      .put("allowed_providers", new JsonArray().add("fakecloud")).put("allowed_models", new JsonArray().add("light").add("gpt-4o-mini")))
      .getString("api_key");
    HttpResponse<String> model = api.chat(UsageApi.chatBody("metered", false), "authorization", "Bearer " + key);
    assertEquals(403, model.statusCode(), model.body());
    assertEquals("model", error(model).getString("param"), model.body());
    HttpResponse<String> provider = api.chat(UsageApi.chatBody("light", false).put("provider", "fakelocal"), "authorization", "Bearer " + key);
    assertEquals(403, provider.statusCode(), provider.body());
    assertTrue(error(provider).getString("message").contains("may not use provider fakelocal"), provider.body());
    HttpResponse<String> privacy = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key);
    assertEquals(503, privacy.statusCode(), privacy.body());
    assertTrue(error(privacy).getString("message").contains("privacy=private"), privacy.body());
  }

  /**
   * Whether a key may use something does not depend on which backends are up: a key whose only allowed provider serves
   * the model but is off (here disabled in conf) gets 503 with Retry-After naming it, as any caller would, not a 403 that
   * an SDK takes as final; a key whose providers serve nothing of the kind stays 403.
   */
  @Test
  void aKeyWhoseAllowedProviderIsOffGets503NotA403() throws Exception {
    String standby = api.createKey("standby-only", new JsonObject().put("allowed_providers", new JsonArray().add("standby")))
      .getString("api_key");
    HttpResponse<String> off = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + standby);
    assertEquals(503, off.statusCode(), off.body());
    String message = error(off).getString("message");
    assertTrue(message.contains("standby: disabled in conf"), message);
    assertTrue(message.contains("fakecloud: provider not allowed for API key"), message);
    assertTrue(off.headers().firstValue("retry-after").isPresent(), "Retry-After on " + off.headers().map());

    String nowhere = api.createKey("nowhere-only", new JsonObject().put("allowed_providers", new JsonArray().add("nowhere")))
      .getString("api_key");
    HttpResponse<String> refused = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + nowhere);
    assertEquals(403, refused.statusCode(), refused.body());
    assertEquals("provider", error(refused).getString("param"), refused.body());
  }

  /** Small amounts keep their digits in messages: a budget of a tenth of a cent is not "$0.00", a max_cost not "$0". */
  @Test
  void smallAmountsAreNotRoundedAwayInMessages() throws Exception {
    String key = api.createKey("tiny", new JsonObject().put("daily_budget_usd", 0.001)).getString("api_key");
    HttpResponse<String> over = api.chat(UsageApi.chatBody("metered", false), "authorization", "Bearer " + key);
    assertEquals(402, over.statusCode(), over.body());
    assertTrue(error(over).getString("message").contains("daily budget of $0.001 "), over.body());
    HttpResponse<String> dear = api.chat(UsageApi.chatBody("metered", false).put("max_cost", 0.0000002));
    assertEquals(503, dear.statusCode(), dear.body());
    assertTrue(error(dear).getString("message").contains("exceeds max_cost $0.0000002"), dear.body());
  }

  @Test
  void aDailyBudgetForThreeRequestsGivesThreeThen402WithTheResetTime() throws Exception {
    JsonObject created = api.createKey("budget", new JsonObject().put("daily_budget_usd", 3 * METERED));
    String key = created.getString("api_key");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = api.chat(UsageApi.chatBody("metered", false), "authorization", "Bearer " + key, "x-request-id", "e2e-budget-" + i);
      assertEquals(200, ok.statusCode(), "request " + i + ": " + ok.body());
    }
    HttpResponse<String> over = api.chat(UsageApi.chatBody("metered", false), "authorization", "Bearer " + key, "x-request-id", "e2e-budget-over");
    assertEquals(402, over.statusCode(), over.body());
    String message = error(over).getString("message");
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1) + "T00:00:00Z";
    assertTrue(message.contains("daily budget of $0.03") && message.contains("resets at " + tomorrow), message);
    assertEquals(METERED, Double.parseDouble(api.record("e2e-budget-2").get("cost_usd")), 1e-12);
    assertEquals("BUDGET_EXCEEDED", api.record("e2e-budget-over").get("error_code"));
  }

  @Test
  void aKeysRequestsPerMinuteGive429WithRetryAfter() throws Exception {
    String key = api.createKey("slow", new JsonObject().put("requests_per_minute", 2)).getString("api_key");
    long intoMinute = System.currentTimeMillis() % 60_000;
    if (intoMinute > 55_000) {
      Thread.sleep(60_500 - intoMinute);  // the scenario needs one window: not across its end, at most 5.5 s away
    }
    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key).statusCode());
    assertEquals(200, api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key).statusCode());
    HttpResponse<String> limited = api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + key);
    assertEquals(429, limited.statusCode(), limited.body());
    long retryAfter = Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "retry-after " + retryAfter);
  }

  @Test
  void theEstimateAndTheRecordedCostComeFromTheSameTable() throws Exception {
    JsonObject body = UsageApi.chatBody("gpt-4o-mini", false).put("max_tokens", 50).put("provider", "fakecloud");
    JsonObject comparison = new JsonObject(api.admin("POST", "/api/v1/providers/compare-cost", body.copy()).body());
    JsonObject size = comparison.getJsonObject("size");
    JsonObject row = comparison.getJsonArray("providers").stream().map(o -> (JsonObject) o)
      .filter(p -> "fakecloud".equals(p.getString("provider"))).findFirst().orElseThrow();
    double estimate = row.getDouble("estimated_cost_usd");
    assertEquals(prices.estimate("fakecloud", "gpt-4o-mini", size.getLong("input_tokens"), size.getLong("output_tokens"), 0, 0), estimate, 1e-12);
    assertEquals(cost(size.getLong("input_tokens"), 50), estimate, 1e-12);

    HttpResponse<String> served = api.chat(body, "x-request-id", "e2e-same-table");
    JsonObject usage = new JsonObject(served.body()).getJsonObject("usage");
    double recorded = Double.parseDouble(api.record("e2e-same-table").get("cost_usd"));
    assertEquals(prices.cost("fakecloud", "gpt-4o-mini", usage.getLong("prompt_tokens"), usage.getLong("completion_tokens"), 0, 0, 0), recorded, 1e-9);
    assertTrue(recorded > 0);
  }

  @Test
  void usageTotalsAndTheCsvExportOverHttp() throws Exception {
    JsonObject created = api.createKey("reporting", new JsonObject());
    for (int i = 0; i < 3; i++) {
      api.chat(UsageApi.chatBody("light", false), "authorization", "Bearer " + created.getString("api_key"), "x-request-id", "e2e-q-" + i);
    }
    api.awaitRecords(List.of("e2e-q-0", "e2e-q-1", "e2e-q-2"), 15_000);
    HttpResponse<String> byKey = api.admin("GET", "/api/v1/usage?group_by=key&from=" + LocalDate.now(ZoneOffset.UTC), null);
    assertEquals(200, byKey.statusCode(), byKey.body());
    JsonObject rowOfKey = new JsonObject(byKey.body()).getJsonArray("rows").stream().map(o -> (JsonObject) o)
      .filter(r -> created.getJsonObject("key").getString("id").equals(r.getString("key"))).findFirst().orElseThrow();
    assertEquals(3, rowOfKey.getLong("requests"));
    assertTrue(rowOfKey.getDouble("cost_usd") > 0);
    JsonObject byBackend = new JsonObject(api.admin("GET", "/api/v1/usage?group_by=backend", null).body());
    assertTrue(byBackend.getJsonArray("rows").stream().anyMatch(r -> "fakecloud".equals(((JsonObject) r).getString("backend"))));
    assertEquals(400, api.admin("GET", "/api/v1/usage?group_by=colour", null).statusCode());
    assertEquals(401, api.admin("GET", "/api/v1/usage", null, null).statusCode());

    HttpResponse<String> csv = api.admin("GET", "/api/v1/usage/export", null);
    assertTrue(csv.headers().firstValue("content-type").orElse("").startsWith("text/csv"));
    assertEquals(UsageCsv.HEADER, Csv.header(csv.body()));
    assertNotNull(Csv.parse(csv.body()).stream().filter(r -> "e2e-q-1".equals(r.get("request_id"))).findFirst().orElse(null));
    assertEquals(401, api.admin("GET", "/api/v1/usage/export", null, null).statusCode());
  }
}
