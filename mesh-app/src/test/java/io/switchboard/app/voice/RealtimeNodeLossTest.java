package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node holding a call's realtime session goes away mid-call. Two clustered nodes: A takes the call (router, voice,
 * the cascade's backends: local Whisper, flite, a fake chat), B holds only the {@code openai-realtime} backend (against
 * the fake Realtime server). B goes away while the model speaks. The call does not hang and does not drop:
 * the caller gets {@code mode.changed} (pipeline, with the reason), hears the handover line, and the next turn is the
 * cascade's (Whisper's transcript, the chat's answer). Two records for the one call id: the realtime leg (its error)
 * and the pipeline leg ({@code fallback_from: realtime}).
 */
class RealtimeNodeLossTest {

  @TempDir
  Path dir;

  @Test
  void aCallWhoseRealtimeNodeIsClosedContinuesInPipelineMode() throws Exception {
    lose(pair -> pair.b.close().await(30, TimeUnit.SECONDS), "the upstream closed the session");
  }

  /**
   * B drops off the cluster without a word (its Hazelcast member terminated, as a SIGKILL or a partition looks to the
   * others): no end message comes, the call's pings find no session and the call continues; B, hearing no pings,
   * closes its upstream session after the idle timeout, so no session is left billing for a call that moved on.
   */
  @Test
  void aCallWhoseRealtimeNodeDropsOffTheClusterContinuesInPipelineMode() throws Exception {
    lose(pair -> ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) pair.b).clusterManager())
      .getHazelcastInstance().getLifecycleService().terminate(), "the realtime session was lost");
  }

  interface Loss {
    void apply(ClusterPair pair) throws Exception;
  }

  private void lose(Loss loss, String reasonHas) throws Exception {
    Vertx client = Vertx.vertx();
    try (ClusterPair pair = ClusterPair.start()) {
      FakeRealtimeServer fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
      fake.script().responseMs = 20_000;
      FakeOpenAiServer chat = FakeOpenAiServer.start(client).await(10, TimeUnit.SECONDS);
      chat.setDefault(Behaviour.reply("Noted, I will change it."));
      Map<String, String> env = Map.of(Realtime.KEY_ENV, Realtime.KEY, "FAKE_KEY", "sk-fake-voice");
      VoiceNode a = VoiceNode.start(pair.a, VoiceNode.localCascade(chat),
        new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline"), dir.resolve("a"), env);
      VoiceNode.start(pair.b, "backend", new JsonObject()
        .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500).put("drain_timeout_ms", 1000))
        .put("usage", new JsonObject().put("data_dir", dir.resolve("b").toString()))
        .put("backends", new JsonArray().add(Realtime.backend("rt", fake, 10))), env);
      awaitLive(a.port, 4);

      StreamCaller caller = StreamCaller.connect(client, a.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
      Await.until("session.started", () -> !caller.events("session.started").isEmpty());
      JsonObject started = caller.events("session.started").get(0);
      assertEquals("realtime", started.getString("mode"));
      String callId = started.getString("call_id");
      caller.say(Realtime.tone(16_000, 600));
      Await.until("the model speaking", () -> caller.audioMs(16_000) > 500);

      loss.apply(pair);
      Await.until("mode.changed", 30_000, () -> !caller.events("mode.changed").isEmpty());
      JsonObject changed = caller.events("mode.changed").get(0);
      assertEquals("pipeline", changed.getString("mode"));
      assertEquals("realtime", changed.getString("from"));
      assertTrue(changed.getString("reason").startsWith("realtime session ended: ") && changed.getString("reason").contains(reasonHas),
        changed.encode());
      long atChange = caller.audioMs(16_000);
      Await.until("the handover line's audio", 30_000, () -> caller.audioMs(16_000) > atChange + 1000);

      caller.say(Speech.at16k(Speech.FIRST));
      Await.until("the cascade's transcript", 60_000, () -> !caller.events("transcript").isEmpty());
      Await.until("the chat request", 30_000, () -> chats(chat).size() >= 1);
      Await.until("the cascade's turn", 60_000, () -> caller.events("turn.metrics").stream()
        .anyMatch(m -> m.getJsonObject("backends") != null && "primary".equals(m.getJsonObject("backends").getString("chat"))));

      caller.stop();
      assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
      try {
        Await.until("the pipeline leg's record", () -> a.usage.stream().anyMatch(r -> callId.equals(r.getString("request_id"))
          && "pipeline".equals(r.getJsonObject("call").getString("mode"))));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; records: " + a.usage, e);
      }
      List<JsonObject> legs = a.usage.stream().filter(r -> callId.equals(r.getString("request_id"))).toList();
      assertEquals(2, legs.size(), "one record per leg: " + legs);
      JsonObject realtime = legs.stream().filter(r -> "realtime".equals(r.getJsonObject("call").getString("mode"))).findFirst().orElseThrow();
      JsonObject pipeline = legs.stream().filter(r -> "pipeline".equals(r.getJsonObject("call").getString("mode"))).findFirst().orElseThrow();
      assertNotNull(realtime.getString("error_code"), realtime.encodePrettily());
      assertTrue(realtime.getJsonObject("call").getString("end_reason", "").contains("continues in the fallback mode"),
        realtime.encodePrettily());
      assertEquals("realtime", pipeline.getJsonObject("call").getString("fallback_from"), pipeline.encodePrettily());
      assertEquals(null, pipeline.getString("error_code"), pipeline.encodePrettily());
      Await.until("the upstream session closed", 60_000, () -> fake.sessions().get(0).closed());
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Waits until node A's router sees {@code n} live backends (B's joins over the cluster). */
  private static void awaitLive(int port, int n) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Await.until("B's realtime backend live on A", 60_000, () -> {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
        return new JsonObject(r.body()).getInteger("live_backends", 0) >= n;
      } catch (Exception e) {
        return false;
      }
    });
  }
}
