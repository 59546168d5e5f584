package io.switchboard.realtime.openai;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.Set;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code openai-realtime} backend's active health probe ({@link RealtimeHealth}) against the fake Realtime server:
 * {@code GET /v1/models/{model}} with the key, never a WebSocket (no session is opened, so none is billed), and each
 * failure the way the router reads it: 401 and an unknown model down as misconfigured, 429 degraded, 5xx and a refused
 * connection down; the key in no reason.
 */
class RealtimeHealthTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private static final String KEY = "sk-realtime-health-secret-987654";

  private FakeRealtimeServer fake;

  @BeforeEach
  void start() {
    fake = vx.forTest(await(FakeRealtimeServer.start(vx.get())), FakeRealtimeServer::close).requireKey(KEY);
  }

  private Backend backend(String key, String model, long intervalMs) {
    JsonObject conf = new JsonObject().put("id", "rt").put("type", "openai-realtime").put("base_url", fake.baseUrl())
      .put("api_key_env", "RT_KEY").put("models", new JsonArray().add(model)).put("health_interval_ms", intervalMs)
      .put("connect_timeout_ms", 2000);
    return vx.backend(new OpenAiRealtimeProvider(), conf, Map.of("RT_KEY", key));
  }

  @Test
  void anUpstreamThatKnowsTheKeyAndTheModelIsUpWithoutOpeningASession() {
    Backend b = backend(KEY, "gpt-realtime", 60_000);
    assertEquals(Health.UP, await(b.health()));
    assertEquals(Health.UP, await(b.health()));
    assertEquals(1, fake.modelLookups(), "the result is kept for health_interval_ms");
    assertTrue(fake.sessions().isEmpty(), "a probe opens no (billed) session");
  }

  @Test
  void aRejectedKeyIsDownAsMisconfiguredAndTheKeyIsInNoReason() {
    Health h = await(backend("sk-wrong-key-000111222", "gpt-realtime", 1).health());
    assertEquals(Health.Status.DOWN, h.status());
    assertTrue(h.reason().startsWith("misconfigured: rt: upstream rejected the credentials (401)"), h.reason());
    assertFalse(h.reason().contains("sk-wrong-key"), h.reason());
  }

  @Test
  void aModelTheAccountDoesNotHaveIsDownAsMisconfigured() {
    fake.models(Set.of("gpt-realtime-mini"));
    Health h = await(backend(KEY, "gpt-realtime", 1).health());
    assertEquals(Health.Status.DOWN, h.status());
    assertTrue(h.reason().startsWith("misconfigured: rt: model not found upstream (404)"), h.reason());
  }

  @Test
  void rateLimitedIsDegradedServerErrorsAndARefusedConnectionAreDownAndItRecovers() {
    Backend b = backend(KEY, "gpt-realtime", 1);
    fake.refuse(429, "2");
    Health limited = fresh(b);
    assertEquals(Health.Status.DEGRADED, limited.status());
    assertTrue(limited.reason().startsWith("rt: rate limited by the upstream"), limited.reason());
    fake.refuse(503, null);
    Health down = fresh(b);
    assertEquals(Health.Status.DOWN, down.status());
    assertTrue(down.reason().startsWith("rt: upstream error 503"), down.reason());
    fake.refuse(0, null);
    assertEquals(Health.UP, fresh(b), "recovers on the next probe");
    await(fake.close());
    // The pooled keep-alive connection dies with the server: a probe may see it closed; then they are refused.
    Await.until("a probe refused", () -> "rt: connection refused".equals(await(b.health()).reason()));
    assertEquals(Health.Status.DOWN, await(b.health()).status());
  }

  /** The result of a new probe (the backend's interval is 1 ms: past the cache once the fake counted a new lookup). */
  private Health fresh(Backend b) {
    int before = fake.modelLookups();
    Health h = await(b.health());
    while (fake.modelLookups() == before) {
      h = await(b.health());
    }
    return h;
  }

  @Test
  void theRouterReadsTheProbeOnTheBackendsAddress() {
    vx.deploy(backend("sk-wrong-key-000111222", "gpt-realtime", 1));
    JsonObject h = await(vx.get().eventBus().<JsonObject>request(Addresses.backend("rt"), null,
      new DeliveryOptions().addHeader(Headers.OP, Headers.OP_HEALTH).setSendTimeout(5000))).body();
    assertEquals("down", h.getString("status"));
    assertTrue(h.getString("reason").contains("(401)"), h.encode());
    assertTrue(fake.sessions().isEmpty());
  }

  @Test
  void theProbeAndTheSocketReadOneBaseUrlEachInItsOwnScheme() {
    assertEquals("https://api.openai.com/v1", RealtimeHealth.httpBase("wss://api.openai.com/v1"));
    assertEquals("http://127.0.0.1:9/v1", RealtimeHealth.httpBase("ws://127.0.0.1:9/v1"));
    assertEquals("https://api.openai.com/v1", RealtimeHealth.httpBase("https://api.openai.com/v1"));
    assertEquals("wss://api.openai.com/v1", OpenAiRealtimeBackend.wsBase("https://api.openai.com/v1"));
    assertEquals("ws://127.0.0.1:9/v1", OpenAiRealtimeBackend.wsBase("http://127.0.0.1:9/v1"));
    assertEquals("ws://127.0.0.1:9/v1", OpenAiRealtimeBackend.wsBase("ws://127.0.0.1:9/v1"));
  }
}
