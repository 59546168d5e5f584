package io.switchboard.voice.mode;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.VoiceModes;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's mode switch: a node that starts after an operator's change takes it from the cluster's map, a change
 * published while it runs applies at once, a call asks for a mode only among the allowed ones, and the operators' form
 * is checked.
 */
class ModeSwitchTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();

  @Test
  void aNodeStartedAfterAChangeTakesItAndLaterChangesApplyAtOnce() {
    var map = await(vx.get().sharedData().<String, String>getAsyncMap(Addresses.VOICE_MODE_MAP));
    await(map.put(Addresses.VOICE_MODE_KEY, new JsonObject().put("mode", "realtime").put("fallback_mode", "pipeline").encode()));
    ModeSwitch s = new ModeSwitch(vx.get(), VoiceModes.DEFAULT, () -> 0.5);
    await(s.start());
    vx.forTest(s, ModeSwitch::stop);
    assertEquals("realtime", s.current().single(), "the operators' change, not conf's pipeline");
    vx.get().eventBus().publish(Addresses.VOICE_MODE_UPDATES, new JsonObject().put("modes", new JsonObject().put("pipeline", 90).put("realtime", 10)));
    io.switchboard.core.testkit.Await.until("the update applied", () -> s.current().single() == null);
    assertEquals(Map.of("pipeline", 90, "realtime", 10), s.current().split());
    await(map.remove(Addresses.VOICE_MODE_KEY));
  }

  /**
   * Two quick changes published through two routers may arrive out of order: the newer one holds. (Given through the
   * local apply address, which answers once applied, so the test knows when each was taken.)
   */
  @Test
  void anOlderChangeArrivingAfterANewerOneIsIgnored() {
    ModeSwitch s = new ModeSwitch(vx.get(), VoiceModes.DEFAULT, () -> 0.5);
    await(s.start());
    vx.forTest(s, ModeSwitch::stop);
    var bus = vx.get().eventBus();
    await(bus.request(Addresses.VOICE_MODE_APPLY, new JsonObject().put("mode", "realtime").put(VoiceModes.VERSION, 7)));
    assertEquals("realtime", s.current().single());
    await(bus.request(Addresses.VOICE_MODE_APPLY, new JsonObject().put("mode", "pipeline").put(VoiceModes.VERSION, 6)));
    assertEquals("realtime", s.current().single(), "version 6, after 7, was not taken");
    await(bus.request(Addresses.VOICE_MODE_APPLY, new JsonObject().put("mode", "pipeline").put(VoiceModes.VERSION, 8)));
    assertEquals("pipeline", s.current().single());
  }

  @Test
  void aCallAsksForAModeOnlyAmongTheAllowedOnes() {
    VoiceModes modes = VoiceModes.fromJson(new JsonObject().put("mode", "pipeline").put("allowed_modes", new JsonArray().add("pipeline")),
      VoiceModes.DEFAULT);
    ModeSwitch s = new ModeSwitch(vx.get(), modes, () -> 0.99);
    assertEquals("pipeline", s.choose(new JsonObject().put("mode", "pipeline")).mode());
    MeshException e = assertThrows(MeshException.class, () -> s.choose(new JsonObject().put("mode", "realtime")));
    assertEquals(ErrorCode.PERMISSION, e.errorCode());
    assertEquals(ErrorCode.INVALID_REQUEST, assertThrows(MeshException.class, () -> s.choose(new JsonObject().put("mode", 3))).errorCode());
  }

  @Test
  void theSplitGivesEachModeItsShare() {
    VoiceModes split = VoiceModes.fromJson(new JsonObject().put("modes", new JsonObject().put("pipeline", 90).put("realtime", 10)),
      VoiceModes.DEFAULT);
    assertEquals("pipeline", split.pick(0.0));
    assertEquals("pipeline", split.pick(0.8999));
    assertEquals("realtime", split.pick(0.9));
    assertEquals("realtime", split.pick(0.9999));
    assertNull(split.single());
  }

  @Test
  void theOperatorsFormIsChecked() {
    for (JsonObject bad : List.of(new JsonObject().put("mode", "telepathy"), new JsonObject().put("modes", new JsonObject().put("pipeline", 0)),
      new JsonObject().put("modes", new JsonObject().put("pipeline", -1)), new JsonObject().put("modes", new JsonObject().put("pipeline", 1.5)),
      new JsonObject().put("mode", "realtime").put("modes", new JsonObject().put("pipeline", 100)),
      new JsonObject().put("fallback_mode", "fax"), new JsonObject().put("allowed_modes", "pipeline"))) {
      assertThrows(IllegalArgumentException.class, () -> VoiceModes.fromJson(bad, VoiceModes.DEFAULT), bad.encode());
    }
    VoiceModes none = VoiceModes.fromJson(new JsonObject().put("fallback_mode", "none"), VoiceModes.DEFAULT);
    assertNull(none.fallback());
    VoiceModes back = VoiceModes.fromJson(none.toJson(), VoiceModes.DEFAULT);
    assertEquals(none, back, "what GET answers can be PUT back");
    assertTrue(VoiceModes.DEFAULT.allowed().contains("realtime"));
  }
}
