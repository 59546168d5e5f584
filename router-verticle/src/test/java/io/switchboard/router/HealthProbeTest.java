package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Active health: the router asks every backend for its health at its interval. A backend whose heartbeats still say
 * "up" but which answers no health request (its handler is gone) is routed around before any request is lost on it.
 */
@ExtendWith(VertxExtension.class)
class HealthProbeTest {

  @Test
  void aBackendThatFailsItsHealthCheckIsSkippedAsDown(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject().put("health_interval_ms", 200).put("health_timeout_ms", 500));
    ScriptedChatBackend real = mesh.backend("real", 20, Privacy.CLOUD, "m1");
    // Heartbeats of a backend that says it is up, with nothing consuming its bus address.
    JsonObject ghost = real.descriptor().toJson().put("id", "ghost").put("instance_id", "ghost@1").put("priority", 1);
    vertx.setPeriodic(100, t -> vertx.eventBus().publish(Addresses.REGISTRY, ghost));
    mesh.awaitLive(2);

    JsonObject status = Eventually.until(vertx, "the ghost found down by its health checks", 10_000, () -> mesh.statusOf("ghost"),
      s -> "down".equals(s.getJsonObject("health").getString("status"))).await(15, TimeUnit.SECONDS);
    assertEquals("up", status.getJsonObject("reported_health").getString("status"), "its own heartbeats still say up");

    JsonObject body = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    JsonObject route = vertx.eventBus().<JsonObject>request(Addresses.CHAT, body).await(10, TimeUnit.SECONDS).body()
      .getJsonObject(StreamProtocol.ROUTE);
    assertEquals("real", route.getString("backend"));
    String reason = route.getJsonArray("skipped").getJsonObject(0).getString("reason");
    assertTrue(reason.startsWith("down: health check"), reason);

    JsonObject health = vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "health"))
      .await(10, TimeUnit.SECONDS).body();
    assertEquals(2, health.getJsonArray("backends").size());
  }
}
