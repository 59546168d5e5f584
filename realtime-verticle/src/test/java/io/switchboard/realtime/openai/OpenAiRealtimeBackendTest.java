package io.switchboard.realtime.openai;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.core.audio.G711;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.realtime.RealtimeLink;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeSession;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code openai-realtime} adapter behind its backend verticle, against the fake Realtime server (GA wire
 * protocol), driven over the bus as a voice call drives it ({@link RealtimeLink}). A stand-in for the router forwards
 * the open request to the backend (the router's own routing of it is tested in mesh-app).
 */
class OpenAiRealtimeBackendTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private static final String KEY = "sk-realtime-test-secret-123456";
  private static final JsonObject PCMU = new JsonObject().put("type", "audio/pcmu");

  private FakeRealtimeServer fake;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    Vertx vertx = vx.get();
    fake = vx.forTest(await(FakeRealtimeServer.start(vertx)), FakeRealtimeServer::close).requireKey(KEY);
    fake.script().responseMs = 600;
    JsonObject conf = new JsonObject().put("id", "rt").put("type", "openai-realtime").put("base_url", fake.baseUrl())
      .put("api_key_env", "RT_KEY").put("models", new JsonArray().add("gpt-realtime"))
      .put("prices", new JsonObject().put("gpt-realtime", new JsonObject().put("audio_in_per_minute", 0.06)
        .put("audio_out_per_minute", 0.24).put("input_per_mtok", 4.0).put("output_per_mtok", 16.0)));
    vx.deploy(new OpenAiRealtimeProvider().create(vertx, new BackendConfig(conf, Map.of("RT_KEY", KEY))));
    vx.forTest(vertx.eventBus().consumer(Addresses.REALTIME, this::asRouter), c -> c.unregister());
  }

  /** What the router does once it chose this backend: the request, with the operation header, to the backend. */
  private void asRouter(Message<Object> m) {
    DeliveryOptions o = new DeliveryOptions().addHeader(Headers.OP, Headers.OP_REALTIME).setSendTimeout(10_000);
    m.headers().forEach(h -> o.addHeader(h.getKey(), h.getValue()));
    vx.get().eventBus().request(Addresses.backend("rt"), m.body(), o).onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result().body());
      } else {
        m.reply(MeshException.from(ar.cause()));
      }
    });
  }

  private RealtimeLink open() {
    JsonObject session = new JsonObject().put("type", "realtime").put("instructions", "Be brief.")
      .put("audio", new JsonObject().put("input", new JsonObject().put("format", PCMU)).put("output", new JsonObject().put("format", PCMU)));
    return await(RealtimeLink.open(vx.get(), "gpt-realtime", session, RouteHints.NONE, "k_1", 10_000, e -> events.add(new JsonObject(e))));
  }

  private static String append(float level, int ms) {
    byte[] b = new byte[8 * ms];
    for (int i = 0; i < b.length; i++) {
      b[i] = G711.encodeMulaw((float) (level * Math.sin(2 * Math.PI * 300 * i / 8000.0)));
    }
    return new JsonObject().put("type", "input_audio_buffer.append").put("audio", Base64.getEncoder().encodeToString(b)).encode();
  }

  private List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  @Test
  void aTurnRoundTripsAndTheSessionLeavesItsUsage() {
    RealtimeLink link = open();
    assertEquals("rt", link.backend());
    FakeRealtimeSession s = fake.last();
    Await.until("the session.update", () -> !s.received("session.update").isEmpty());
    JsonObject update = s.received("session.update").get(0).getJsonObject("session");
    assertEquals("audio/pcmu", update.getJsonObject("audio").getJsonObject("input").getJsonObject("format").getString("type"));
    assertEquals("realtime", update.getString("type"));
    for (int i = 0; i < 25; i++) {
      link.send(append(0.5f, 20)); // 500 ms of speech
    }
    for (int i = 0; i < 20; i++) {
      link.send(append(0f, 20)); // 400 ms of silence: the fake's VAD ends the turn after 300
    }
    Await.until("the response", () -> !events("response.done").isEmpty());
    assertEquals(1, events("input_audio_buffer.speech_started").size());
    assertEquals("hello there", events("conversation.item.input_audio_transcription.completed").get(0).getString("transcript"));
    long audioBytes = events("response.output_audio.delta").stream()
      .mapToLong(e -> Base64.getDecoder().decode(e.getString("delta")).length).sum();
    assertEquals(600 * 8, audioBytes, "600 ms of μ-law at 8 kHz relayed");
    assertFalse(events("response.output_audio_transcript.delta").isEmpty());

    link.end("caller hung up");
    RealtimeLink.End end = await(link.ended());
    assertNull(end.error(), end.reason());
    assertEquals(0.9, end.usage().getDouble("audio_in_seconds"), 1e-9);
    assertEquals(0.6, end.usage().getDouble("audio_out_seconds"), 1e-9);
    assertEquals(120, end.usage().getLong("input_tokens"));
    double cost = 0.9 / 60 * 0.06 + 0.6 / 60 * 0.24 + 120 * 4.0 / 1e6 + 30 * 16.0 / 1e6;
    assertEquals(cost, end.usage().getDouble("cost_usd"), 1e-12);
    Await.until("the upstream socket closed", s::closed);
  }

  @Test
  void aBadKeyFailsTheOpenWithoutTheKeyInTheMessage() {
    fake.requireKey("sk-another-key");
    MeshException e = Await.failure(RealtimeLink.open(vx.get(), "gpt-realtime", new JsonObject(), RouteHints.NONE, null, 10_000, x -> { }));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains("401"), e.getMessage());
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
  }

  @Test
  void aRateLimitedHandshakeIsRateLimitedWithItsRetryAfter() {
    fake.refuse(429, "3");
    MeshException e = Await.failure(RealtimeLink.open(vx.get(), "gpt-realtime", new JsonObject(), RouteHints.NONE, null, 10_000, x -> { }));
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode(), e.getMessage());
    assertEquals(3000, e.retryAfterMs());
  }

  @Test
  void aSocketCutMidResponseEndsTheSessionAsAnUpstreamError() {
    fake.script().cutAfterDeltas = 2;
    RealtimeLink link = open();
    link.send(new JsonObject().put("type", "response.create"));
    RealtimeLink.End end = await(link.ended());
    assertEquals(ErrorCode.UPSTREAM, end.error(), end.reason());
    assertEquals(2, events("response.output_audio.delta").size());
    assertTrue(events("response.done").isEmpty(), "no clean end after a cut");
  }

  @Test
  void anExpiredSessionEndsAsATimeoutAfterTheErrorEventReachedTheCaller() {
    RealtimeLink link = open();
    Await.until("the session", () -> fake.last() != null && !fake.last().received("session.update").isEmpty());
    fake.last().expire();
    RealtimeLink.End end = await(link.ended());
    assertEquals(ErrorCode.TIMEOUT, end.error(), end.reason());
    assertEquals("session_expired", events("error").get(0).getJsonObject("error").getString("code"));
  }

  @Test
  void anUnknownClientEventGetsTheServersErrorEventAndTheSessionGoesOn() {
    RealtimeLink link = open();
    link.send(new JsonObject().put("type", "transcription_session.update"));
    Await.until("the error event", () -> !events("error").isEmpty());
    assertEquals("invalid_value", events("error").get(0).getJsonObject("error").getString("code"));
    link.send(new JsonObject().put("type", "response.create"));
    Await.until("the response after it", () -> !events("response.done").isEmpty());
    link.end("done");
    assertNull(await(link.ended()).error());
  }
}
