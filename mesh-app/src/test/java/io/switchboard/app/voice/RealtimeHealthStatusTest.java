package io.switchboard.app.voice;

import io.switchboard.api.Addresses;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The realtime backend's health probe on a whole node: configured with a key the (fake) upstream refuses, the router's
 * status ({@code GET /api/v1/providers/status}, the console's source) shows it down as misconfigured, without the key
 * and without a session opened; a realtime call then starts in the fallback mode instead of trying it.
 */
class RealtimeHealthStatusTest {

  @TempDir
  Path dir;

  @Test
  void aRefusedKeyShowsInTheRoutersStatusAndCallsStartInTheFallbackMode() throws Exception {
    Vertx vertx = Vertx.vertx();
    Vertx client = Vertx.vertx();
    try {
      FakeRealtimeServer fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
      String wrong = "sk-wrong-realtime-key-424242";
      VoiceNode node = VoiceNode.start(vertx, new JsonArray().add(VoiceNode.flite(10)).add(Realtime.backend("rt", fake, 10)),
        new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline"), dir, Map.of(Realtime.KEY_ENV, wrong));
      Await.until("rt down in the router's status", 30_000, () -> "down".equals(rt(vertx).getJsonObject("health").getString("status")));
      String reason = rt(vertx).getJsonObject("health").getString("reason");
      assertTrue(reason.contains("misconfigured") && reason.contains("(401)"), reason);
      assertFalse(reason.contains(wrong), reason);
      assertTrue(fake.modelLookups() >= 1);
      assertTrue(fake.sessions().isEmpty(), "the probe opens no session");

      java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
      vertx.eventBus().<JsonObject>consumer(Addresses.VOICE_CALLS, m -> active.accumulateAndGet(m.body().getInteger("active", 0), Math::max));
      TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
      Await.until("the call up (the node's calls report)", () -> active.get() >= 1);
      caller.hangUp();
      Await.until("the call's record", () -> !node.callRecords().isEmpty());
      JsonObject call = node.callRecords().get(0).getJsonObject("call");
      assertEquals("pipeline", call.getString("mode"), call.encode());
      assertEquals("realtime", call.getString("fallback_from"), call.encode());
      assertTrue(fake.sessions().isEmpty(), "a backend known to be down is not tried");
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static JsonObject rt(Vertx vertx) {
    JsonObject status = Await.await(vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status")))
      .body();
    return status.getJsonArray("backends").stream().map(b -> (JsonObject) b).filter(b -> "rt".equals(b.getString("id")))
      .findFirst().orElseThrow();
  }
}
