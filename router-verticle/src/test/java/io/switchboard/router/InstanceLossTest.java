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

/**
 * An instance that is gone (its consumer unregistered, or its node died before the registry noticed) answers
 * "no handler". That is not the backend's fault: its other instances serve, its breaker does not hear of it, and no
 * retry is spent.
 */
@ExtendWith(VertxExtension.class)
class InstanceLossTest {

  @Test
  void aVanishedInstanceCostsNeitherTheBreakerNorARetry(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject()
      .put("heartbeat_timeout_ms", 60_000)
      .put("breaker", new JsonObject().put("max_failures", 1).put("reset_timeout_ms", 60_000))
      .put("retries", new JsonObject().put("max", 0)));
    ScriptedChatBackend alpha = mesh.backend("alpha", 10, Privacy.CLOUD, "m1");
    mesh.awaitLive(1);
    // A second instance of alpha that nothing consumes any more, and that stays in the registry (long timeout).
    vertx.eventBus().publish(Addresses.REGISTRY, alpha.descriptor().toJson().put("instance_id", "alpha@vanished"));
    Eventually.until(vertx, "alpha's two instances in the registry", 5000, () -> MeshFixture.view(vertx),
      view -> view.getJsonArray("backends").getJsonObject(0).getInteger("instances") == 2).await(10, TimeUnit.SECONDS);
    JsonObject request = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    for (int i = 0; i < 10; i++) {
      JsonObject reply = vertx.eventBus().<JsonObject>request(Addresses.CHAT, request).await(10, TimeUnit.SECONDS).body();
      assertEquals("alpha", reply.getJsonObject(StreamProtocol.ROUTE).getString("backend"), "request " + i);
    }
    assertEquals(10, alpha.served.get(), "every request served by the live instance; the breaker never opened");
  }
}
