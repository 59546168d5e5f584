package io.switchboard.router.admin;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.api.Prices;
import io.switchboard.router.MeshFixture;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin API's dry-run plan: the router's own plan for a typed request, with skips, refusal and cost comparison. */
@ExtendWith(VertxExtension.class)
class DryRunPlanTest {

  private MeshFixture mesh;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = new MeshFixture(vertx).router(new JsonObject());
    mesh.deploy(new io.switchboard.router.ScriptedChatBackend(vertx, "cloud", 10, Privacy.CLOUD, java.util.List.of("m1"))
      .prices(new Prices(1, 2, 0, 0, 0)));
    mesh.backend("local", 20, Privacy.LOCAL, "m1");
    mesh.awaitLive(2);
  }

  private JsonObject plan(JsonObject body) throws Exception {
    return mesh.vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "plan").put("body", body))
      .await(10, TimeUnit.SECONDS).body();
  }

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model).put("max_tokens", 100)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello there")));
  }

  @Test
  void thePlanIsTheRoutersOrderWithCostsAndSkips() throws Exception {
    JsonObject fallback = plan(chat("m1"));
    assertEquals("cloud", fallback.getString("would_serve"), fallback.encodePrettily());
    assertEquals("fallback", fallback.getString("strategy"));
    assertEquals(2, fallback.getJsonArray("candidates").size());
    assertTrue(fallback.getJsonArray("candidates").getJsonObject(0).getDouble("estimated_cost_usd") > 0);
    assertEquals("local", fallback.getJsonObject("cost").getString("cheapest"));

    JsonObject cost = plan(chat("m1").put("strategy", "cost"));
    assertEquals("local", cost.getString("would_serve"), "cheapest first");

    JsonObject local = plan(chat("m1").put("privacy", "local"));
    assertEquals("local", local.getString("would_serve"));
    assertEquals(new JsonObject().put("provider", "cloud").put("reason", "privacy cloud exceeds local"),
      local.getJsonArray("skipped").getJsonObject(0));
  }

  @Test
  void aRequestNothingCanServeShowsTheRefusalAndWhy() throws Exception {
    mesh.vertx.eventBus().request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "update")
      .put("body", new JsonObject().put("provider", "local").put("enabled", false))).await(10, TimeUnit.SECONDS);
    JsonObject p = plan(chat("m1").put("privacy", "local"));
    assertNull(p.getString("would_serve"));
    assertEquals(503, p.getJsonObject("refusal").getInteger("status"), p.encodePrettily());
    assertTrue(p.getJsonObject("refusal").getString("message").contains("privacy=local"), p.encodePrettily());
    assertEquals(2, p.getJsonArray("skipped").size(), p.encodePrettily());
    assertTrue(p.getJsonArray("skipped").encode().contains("disabled by admin"), p.encodePrettily());

    JsonObject unknown = plan(chat("nobody-serves-this"));
    assertEquals(404, unknown.getJsonObject("refusal").getInteger("status"));
    ReplyException bad = assertThrows(ReplyException.class, () -> plan(new JsonObject().put("capability", "telepathy")));
    assertEquals(400, bad.failureCode());
  }
}
