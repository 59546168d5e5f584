package io.switchboard.app.voice;

import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.vertx.core.Future;
import io.switchboard.core.testkit.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mode switch on a whole node, with real Twilio-protocol calls: a switch while 20 calls run leaves them in their
 * mode to their end (none dropped) and sends the next calls to the new mode at once; a 10 % split over 200 calls lands
 * within the binomial range; calls whose realtime session cannot start (the backend refusing) start in the fallback
 * mode and say so; a call may ask for a mode only among those allowed; the admin API checks what it is given.
 */
class ModeSwitchTest extends CallFixture {

  static final String ADMIN = "admin-token-for-mode-tests";

  ModeSwitchTest() {
    super(CallRig.withMetrics()); // the test reads the node's metrics
  }

  private FakeRealtimeServer fake;
  private VoiceNode node;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
  }

  private void node(JsonObject voice) throws Exception {
    JsonObject config = new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000).put("breaker", new JsonObject().put("max_failures", 50)))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("drain_timeout_ms", 5000).put("admin_token", ADMIN))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dir.toString()))
      .put("voice", new JsonObject().put("greeting", "").put("max_calls", 300).put("silence_timeout_ms", 600_000).mergeIn(voice, true))
      .put("backends", new JsonArray().add(VoiceNode.flite(10)).add(Realtime.backend("rt", fake, 10)));
    node = VoiceNode.start(vertx, "all", config, Map.of(Realtime.KEY_ENV, Realtime.KEY));
    Await.until("the backends live", () -> live() >= 2);
  }

  private int live() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getInteger("live_backends", 0);
    } catch (Exception e) {
      return 0;
    }
  }

  private HttpResponse<String> admin(String method, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/v1/voice/mode"))
      .header("authorization", "Bearer " + ADMIN).header("content-type", "application/json");
    b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private List<TwilioCaller> calls(int n, JsonObject params) throws Exception {
    List<Future<TwilioCaller>> opening = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opening.add(TwilioCaller.connect(client, node.port, params));
    }
    List<TwilioCaller> out = new ArrayList<>();
    for (Future<TwilioCaller> f : opening) {
      out.add(f.await(10, TimeUnit.SECONDS));
    }
    return out;
  }

  private List<JsonObject> records() {
    return node.callRecords().stream().map(r -> r.getJsonObject("call")).toList();
  }

  private long inMode(String mode) {
    return records().stream().filter(c -> mode.equals(c.getString("mode"))).count();
  }

  @Test
  void aSwitchLeavesTheCallsInProgressInTheirModeAndTheNextOnesTakeTheNewOne() throws Exception {
    node(new JsonObject().put("mode", "pipeline").put("fallback_mode", "pipeline"));
    double started = metric("switchboard_voice_mode_calls_started_total{mode=\"pipeline\"");
    List<TwilioCaller> before = calls(20, new JsonObject());
    Await.until("20 calls started in pipeline mode", () -> metric("switchboard_voice_mode_calls_started_total{mode=\"pipeline\"") == started + 20);
    assertTrue(fake.sessions().isEmpty(), "no realtime session for pipeline calls");

    HttpResponse<String> put = admin("PUT", new JsonObject().put("mode", "realtime"));
    assertEquals(200, put.statusCode(), put.body());
    assertEquals("realtime", new JsonObject(put.body()).getString("mode"));
    JsonObject got = new JsonObject(admin("GET", null).body());
    assertEquals("realtime", got.getString("mode"));
    assertEquals("admin", got.getString("source"));

    double realtimeStarted = metric("switchboard_voice_mode_calls_started_total{mode=\"realtime\"");
    List<TwilioCaller> after = calls(5, new JsonObject());
    Await.until("the next 5 calls started in realtime mode", () -> metric("switchboard_voice_mode_calls_started_total{mode=\"realtime\"") == realtimeStarted + 5);
    assertEquals(5, fake.sessions().size());
    for (TwilioCaller c : before) {
      assertFalse(c.closed().isComplete(), "a call in progress is not touched by the switch");
    }
    before.forEach(TwilioCaller::hangUp);
    after.forEach(TwilioCaller::hangUp);
    Await.until("25 call records", () -> records().size() == 25);
    assertEquals(20, inMode("pipeline"));
    assertEquals(5, inMode("realtime"));
    assertTrue(records().stream().allMatch(c -> "caller hung up".equals(c.getString("end_reason"))),
      "none dropped: " + records().stream().map(c -> c.getString("end_reason")).toList());
    // The operator's comparison of the modes: the ledger grouped by mode.
    Await.until("the ledger's rows per mode, with all 25 calls written", () -> usageByMode().stream().mapToInt(r -> ((JsonObject) r).getInteger("calls")).sum() == 25);
    JsonArray rows = usageByMode();
    assertEquals("pipeline", rows.getJsonObject(0).getString("mode"));
    assertEquals(20, rows.getJsonObject(0).getInteger("calls"));
    assertEquals("realtime", rows.getJsonObject(1).getString("mode"));
    assertEquals(5, rows.getJsonObject(1).getInteger("calls"));
    assertTrue(rows.getJsonObject(1).getDouble("cost_usd") > 0, rows.encode());
    assertTrue(rows.getJsonObject(1).getDouble("call_minutes") > 0, rows.encode());
  }

  private JsonArray usageByMode() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/v1/usage?group_by=mode"))
        .header("authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("rows") : new JsonArray();
    } catch (Exception e) {
      return new JsonArray();
    }
  }

  @Test
  void aTenPercentSplitOverTwoHundredCallsLandsWithinTheBinomialRange() throws Exception {
    node(new JsonObject().put("modes", new JsonObject().put("pipeline", 90).put("realtime", 10)));
    for (int batch = 0; batch < 10; batch++) {
      double started = metric("switchboard_voice_mode_calls_started_total");
      List<TwilioCaller> callers = calls(20, new JsonObject());
      int done = 20 * (batch + 1);
      Await.until("20 calls started", () -> metric("switchboard_voice_mode_calls_started_total") == started + 20);
      callers.forEach(TwilioCaller::hangUp);
      Await.until(done + " call records", () -> records().size() == done);
    }
    long realtime = inMode("realtime");
    // Binomial(200, 0.1): mean 20, sd 4.24; P(X <= 6) and P(X >= 37) are each below 1e-4.
    assertTrue(realtime >= 7 && realtime <= 36, realtime + " of 200 calls in realtime mode");
    assertEquals(200 - realtime, inMode("pipeline"));
    assertEquals(realtime, fake.sessions().size());
  }

  /** The sum of the node's Prometheus samples whose line starts with {@code prefix} (0 when none). */
  private double metric(String prefix) {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
      return body.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void callsWhoseRealtimeSessionCannotStartStartInTheFallbackModeAndSaySo() throws Exception {
    node(new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline"));
    fake.refuse(503, null);
    double fallbacks = metric("switchboard_voice_mode_fallbacks_total{from=\"realtime\",to=\"pipeline\"");
    List<TwilioCaller> callers = calls(3, new JsonObject());
    Await.until("3 fallbacks counted", () -> metric("switchboard_voice_mode_fallbacks_total{from=\"realtime\",to=\"pipeline\"") == fallbacks + 3);
    for (TwilioCaller c : callers) {
      assertFalse(c.closed().isComplete(), "the call is up, in the fallback mode");
    }
    callers.forEach(TwilioCaller::hangUp);
    Await.until("3 call records", () -> records().size() == 3);
    for (JsonObject c : records()) {
      assertEquals("pipeline", c.getString("mode"), c.encode());
      assertEquals("realtime", c.getString("fallback_from"), c.encode());
    }

    // Without a fallback the call is refused, with the reason.
    assertEquals(200, admin("PUT", new JsonObject().put("fallback_mode", "none")).statusCode());
    TwilioCaller refused = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    refused.closed().await(10, TimeUnit.SECONDS);
    assertTrue(refused.closeReason() != null && refused.closeReason().contains("rt"), "" + refused.closeReason());
  }

  @Test
  void aCallMayAskForAModeOnlyAmongTheAllowedOnesAndTheAdminApiChecksItsInput() throws Exception {
    node(new JsonObject().put("mode", "pipeline").put("allowed_modes", new JsonArray().add("pipeline").add("realtime")));
    TwilioCaller asked = calls(1, new JsonObject().put("mode", "realtime")).get(0);
    Await.until("the call that asked for realtime has a session", () -> fake.sessions().size() == 1);
    asked.hangUp();

    assertEquals(200, admin("PUT", new JsonObject().put("allowed_modes", new JsonArray().add("pipeline"))).statusCode());
    TwilioCaller refused = TwilioCaller.connect(client, node.port, new JsonObject().put("mode", "realtime")).await(10, TimeUnit.SECONDS);
    refused.closed().await(10, TimeUnit.SECONDS);
    assertTrue(refused.closeReason().contains("may not ask for mode 'realtime'"), refused.closeReason());
    assertEquals(1, fake.sessions().size());

    HttpResponse<String> bad = admin("PUT", new JsonObject().put("modes", new JsonObject().put("pipeline", 90).put("telepathy", 10)));
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_request_error", new JsonObject(bad.body()).getJsonObject("error").getString("type"));
    assertTrue(new JsonObject(bad.body()).getJsonObject("error").getString("message").contains("telepathy"), bad.body());

    // An edit of what was read: refused once someone changed the mode since, applied to the version it names.
    long version = new JsonObject(admin("GET", null).body()).getLong("version");
    HttpResponse<String> stale = admin("PUT", new JsonObject().put("fallback_mode", "none").put("version", version - 1));
    assertEquals(409, stale.statusCode(), stale.body());
    assertEquals("conflict", new JsonObject(stale.body()).getJsonObject("error").getString("code"));
    HttpResponse<String> current = admin("PUT", new JsonObject().put("fallback_mode", "none").put("version", version));
    assertEquals(200, current.statusCode(), current.body());
    assertEquals(version + 1, new JsonObject(current.body()).getLong("version"));
    HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/api/v1/voice/mode"))
      .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, noToken.statusCode());
  }
}
