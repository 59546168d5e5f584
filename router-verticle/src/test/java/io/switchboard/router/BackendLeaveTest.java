package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Headers;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend instance that announced it is leaving still serves its own address for a grace period: a router that chose
 * it just before hearing of the leave sends there, and in a cluster a message to an address nobody consumes is dropped
 * by Vert.x without an answer, so that request would wait for its deadline (seen in the cluster tests as a client whose
 * stream started at a backend node's SIGTERM and got nothing for 30 s). Here in one JVM the same race shows as
 * "no handlers": a request sent just after the leave must be served.
 */
@ExtendWith(VertxExtension.class)
class BackendLeaveTest {

  @Test
  void aRequestSentJustAfterTheLeaveAnnouncementIsServed(Vertx vertx) throws Exception {
    ScriptedChatBackend backend = new ScriptedChatBackend(vertx, "leaver", 10, Privacy.CLOUD, List.of("m1"));
    Promise<String> instance = Promise.promise();
    Promise<Void> left = Promise.promise();
    MessageConsumer<JsonObject> registry = vertx.eventBus().consumer(Addresses.REGISTRY, m -> {
      BackendDescriptor d = BackendDescriptor.fromJson(m.body());
      instance.tryComplete(d.instanceId());
      if (d.leaving()) {
        left.tryComplete();
      }
    });
    registry.completion().await(5, TimeUnit.SECONDS);
    String deployment = vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(new JsonObject()
      .put("heartbeat_ms", 200).put("leave_grace_ms", 2000))).await(10, TimeUnit.SECONDS);
    String id = instance.future().await(5, TimeUnit.SECONDS);

    Future<Void> stopped = vertx.undeploy(deployment);
    left.future().await(5, TimeUnit.SECONDS);
    JsonObject chat = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    JsonObject answer = vertx.eventBus().<JsonObject>request(Addresses.instance(id), chat,
      Headers.toBackend(Headers.OP_CHAT, "req-after-leave", null, System.currentTimeMillis() + 10_000, System.currentTimeMillis()))
      .await(10, TimeUnit.SECONDS).body();
    assertEquals("Hello from the mesh.", answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    stopped.await(15, TimeUnit.SECONDS);
    assertTrue(backend.served.get() >= 1);
    registry.unregister();
  }
}
