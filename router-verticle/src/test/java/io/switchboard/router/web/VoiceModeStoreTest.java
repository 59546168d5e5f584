package io.switchboard.router.web;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.VoiceModes;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.ClusterPair;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The operators' voice mode changed through two routers of one cluster (two Vert.x clustered over Hazelcast) at once:
 * every change holds, in one order, each applied to the one before it, as the versions tell; a change that names a
 * version applies only to that version.
 */
class VoiceModeStoreTest {

  private static ClusterPair pair;

  @BeforeAll
  static void cluster() {
    pair = ClusterPair.start();
  }

  @AfterAll
  static void close() throws Exception {
    pair.close();
  }

  private static VoiceModes modes(JsonObject stored) {
    return VoiceModes.fromJson(stored.copy().put("mode", (Object) null), VoiceModes.DEFAULT);
  }

  @Test
  void partialChangesMadeAtOnceOnTwoRoutersAllHoldInOneOrder() {
    VoiceModeStore onA = new VoiceModeStore(pair.a, VoiceModes.DEFAULT);
    VoiceModeStore onB = new VoiceModeStore(pair.b, VoiceModes.DEFAULT);
    JsonObject first = Await.await(onA.current());
    long start = first.getLong(VoiceModes.VERSION);
    VoiceModes before = modes(first);
    List<JsonObject> changes = new ArrayList<>();
    List<Future<JsonObject>> stored = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      // Router A changes the split, router B what a call may ask for and the fallback: a read-then-put loses some.
      JsonObject split = new JsonObject().put("modes", new JsonObject().put("pipeline", i).put("realtime", 1));
      JsonObject allowed = new JsonObject().put("allowed_modes", new JsonArray().add(i % 2 == 0 ? "pipeline" : "realtime"))
        .put("fallback_mode", i % 3 == 0 ? "none" : "pipeline");
      changes.add(split);
      stored.add(onA.change(split));
      changes.add(allowed);
      stored.add(onB.change(allowed));
    }
    Await.await(Future.all(stored));

    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(i -> stored.get(i).result().getLong(VoiceModes.VERSION)));
    for (int k = 0; k < order.size(); k++) {
      JsonObject result = stored.get(order.get(k)).result();
      assertEquals(start + k + 1, result.getLong(VoiceModes.VERSION), "each change its own version, one after another");
      assertEquals(VoiceModes.fromJson(changes.get(order.get(k)), before), modes(result),
        "change " + k + " applied to the one before it: " + changes.get(order.get(k)));
      before = modes(result);
    }
    JsonObject last = Await.await(onB.current());
    assertEquals(start + changes.size(), last.getLong(VoiceModes.VERSION));
    assertEquals(before, modes(last), "the last change is what both routers read");
    assertEquals("admin", last.getString("source"));
  }

  @Test
  void aChangeThatNamesAVersionAppliesOnlyToThatVersion() {
    VoiceModeStore onA = new VoiceModeStore(pair.a, VoiceModes.DEFAULT);
    VoiceModeStore onB = new VoiceModeStore(pair.b, VoiceModes.DEFAULT);
    long read = Await.await(onA.current()).getLong(VoiceModes.VERSION);
    Await.await(onB.change(new JsonObject().put("mode", "realtime")));
    // The cluster's map is shared with the other test: the change made here is the other fallback than the current one.
    JsonObject now = Await.await(onA.current());
    String fallback = modes(now).fallback();
    String other = fallback == null ? "pipeline" : "none";
    var stale = Await.failure(onA.change(new JsonObject().put("fallback_mode", other).put(VoiceModes.VERSION, read)));
    assertEquals(ErrorCode.CONFLICT, stale.errorCode());
    assertEquals(now, Await.await(onA.current()), "the stale change left nothing");

    JsonObject applied = Await.await(onA.change(new JsonObject().put("fallback_mode", other)
      .put(VoiceModes.VERSION, now.getLong(VoiceModes.VERSION))));
    assertEquals(now.getLong(VoiceModes.VERSION) + 1, applied.getLong(VoiceModes.VERSION));
    assertEquals(Map.of("realtime", 100), modes(applied).split(), "the rest stays");
    assertEquals(fallback == null ? "pipeline" : null, modes(applied).fallback());

    for (Object bad : List.of(-1, 1.5, "3")) {
      assertEquals(ErrorCode.INVALID_REQUEST,
        Await.failure(onA.change(new JsonObject().put("mode", "pipeline").put(VoiceModes.VERSION, bad))).errorCode(), "version " + bad);
    }
  }
}
