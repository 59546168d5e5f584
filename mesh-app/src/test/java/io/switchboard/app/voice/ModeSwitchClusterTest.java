package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.api.Addresses;
import io.switchboard.api.VoiceModes;
import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.voice.mode.ModeSwitch;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The voice mode across a cluster (two Vert.x clustered over Hazelcast): an operator's change made on one node (kept in
 * the cluster-wide map and published, as {@code PUT /api/v1/voice/mode} does) applies on the other node's running
 * mode switch, and a node whose mode switch starts afterwards takes it from the map (and opens its bus links to the
 * other node both ways at start, so the first switch does not pay for them).
 */
class ModeSwitchClusterTest {

  @Test
  void aChangeOnOneNodeAppliesOnTheOthersAndOnANodeStartedLater() throws Exception {
    try (ClusterPair pair = ClusterPair.start()) {
      ModeSwitch onA = new ModeSwitch(pair.a, VoiceModes.DEFAULT, Math::random);
      onA.start().await(20, TimeUnit.SECONDS);
      JsonObject change = VoiceModes.fromJson(new JsonObject().put("mode", "realtime"), VoiceModes.DEFAULT).toJson();
      pair.b.sharedData().<String, String>getAsyncMap(Addresses.VOICE_MODE_MAP)
        .compose(map -> map.put(Addresses.VOICE_MODE_KEY, change.encode())).await(20, TimeUnit.SECONDS);
      pair.b.eventBus().publish(Addresses.VOICE_MODE_UPDATES, change);
      Await.until("the change applied on the other node", () -> "realtime".equals(onA.current().single()));

      ModeSwitch startedLater = new ModeSwitch(pair.b, VoiceModes.DEFAULT, Math::random);
      startedLater.start().await(20, TimeUnit.SECONDS);
      assertEquals("realtime", startedLater.current().single(), "a node started later takes the cluster's mode, not its conf's");
      // Its hello reached the node already up, whose answer came back: the bus links are open both ways before a switch.
      Await.until("the node already up answered the new node's hello", () -> startedLater.answered() == 1);
      assertEquals(0, onA.answered(), "nobody answers a node's own hello");
      onA.stop().await(10, TimeUnit.SECONDS);
      startedLater.stop().await(10, TimeUnit.SECONDS);
    }
  }
}
