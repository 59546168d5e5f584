package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/v1/voice/calls}, what the admin page's Calls view reads, on a whole node (its voice module reports
 * its calls over the bus each second, its web verticle gathers the reports): behind the admin token; the node with its
 * room; an open call with its node, transport, mode, stage, turns and its last turn's stage latencies; gone once it
 * ends; no key and nothing the caller said in it.
 */
class CallsAdminTest extends CallFixture {

  private static final String ADMIN = "calls-admin-test-token-71c3";
  private static final String UPSTREAM_KEY = "sk-fake-voice-upstream-9d2e";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void anOpenCallIsListedWithItsStageLatenciesUntilItEnds() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    chat.setDefault(Behaviour.reply("Of course."));
    JsonObject config = new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", ADMIN).put("drain_timeout_ms", 5000))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dir.toString()))
      .put("voice", new JsonObject().put("stage_timeout_ms", 20_000).put("greeting", ""))
      .put("backends", VoiceNode.localCascade(chat));
    VoiceNode node = VoiceNode.start(vertx, "all", config, Map.of("FAKE_KEY", UPSTREAM_KEY));

    assertEquals(401, get(node.port, null).statusCode(), "no admin token, no list");
    assertEquals(401, get(node.port, "wrong").statusCode());
    Await.until("the voice module's first report", () -> !calls(node.port).getJsonArray("nodes").isEmpty());
    JsonObject none = calls(node.port);
    assertEquals(new JsonArray(), none.getJsonArray("calls"));
    JsonObject room = none.getJsonArray("nodes").getJsonObject(0);
    assertEquals(0, room.getInteger("active"));
    assertEquals(100, room.getInteger("max_calls"));
    assertFalse(room.getBoolean("draining"));

    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until("the call started", () -> !caller.events("session.started").isEmpty());
    String callId = caller.events("session.started").get(0).getString("call_id");
    Await.until("the call reported", () -> !calls(node.port).getJsonArray("calls").isEmpty());
    JsonObject open = calls(node.port);
    assertEquals(1, open.getJsonArray("nodes").getJsonObject(0).getInteger("active"));
    JsonObject call = open.getJsonArray("calls").getJsonObject(0);
    assertEquals(room.getString("node"), call.getString("node"));
    assertEquals(callId, call.getString("id"));
    assertEquals("stream", call.getString("transport"));
    assertEquals("pipeline", call.getString("mode"));
    assertEquals("listening", call.getString("stage"));
    assertEquals(0, call.getInteger("turns"));
    assertEquals(new JsonObject(), call.getJsonObject("latency_ms"), "no turn yet");
    assertTrue(Math.abs(System.currentTimeMillis() - call.getLong("started_at")) < 60_000, call.encode());

    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the turn answered", () -> !caller.events("turn.metrics").isEmpty());
    JsonObject reported = caller.events("turn.metrics").get(0);
    Await.until("the turn's latencies in the node's next report",
      () -> calls(node.port).getJsonArray("calls").getJsonObject(0).getJsonObject("latency_ms").containsKey("voice_to_voice_ms"));
    String body = get(node.port, ADMIN).body();
    JsonObject answered = new JsonObject(body).getJsonArray("calls").getJsonObject(0);
    assertEquals(1, answered.getInteger("turns"));
    assertTrue(List.of("speaking", "listening").contains(answered.getString("stage")), answered.encode());
    JsonObject ms = answered.getJsonObject("latency_ms");
    assertEquals(reported.getLong("voice_to_voice_ms"), ms.getLong("voice_to_voice_ms"), body);
    assertEquals(reported.getLong("transcription_ms"), ms.getLong("transcribe_ms"), body);
    assertEquals(reported.getLong("chat_first_token_ms"), ms.getLong("chat_ttft_ms"), body);
    assertEquals(reported.getLong("speech_first_audio_ms"), ms.getLong("speech_ttfb_ms"), body);
    assertEquals(reported.getLong("endpoint_ms"), ms.getLong("endpoint_ms"), body);
    assertFalse(body.contains(UPSTREAM_KEY) || body.contains(ADMIN) || body.contains("reservation"),
      "no key, no token, nothing the caller said: " + body);

    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the ended call gone", () -> calls(node.port).getJsonArray("calls").isEmpty());
  }

  private static JsonObject calls(int port) {
    HttpResponse<String> res = get(port, ADMIN);
    assertEquals(200, res.statusCode(), res.body());
    return new JsonObject(res.body());
  }

  private static HttpResponse<String> get(int port, String token) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/voice/calls")).timeout(Duration.ofSeconds(10));
      if (token != null) {
        b.header("authorization", "Bearer " + token);
      }
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
