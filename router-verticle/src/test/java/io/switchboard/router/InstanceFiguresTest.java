package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
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
 * Latency and errors per backend instance in the admin status: a backend with two instances, one slow and one
 * failing every request. Each instance's row in {@code instance_list} shows its own figures (the slow one's latency
 * and no errors, the failing one's error rate and no latency), while the backend's figures mix both; the breaker
 * stays the backend's.
 */
@ExtendWith(VertxExtension.class)
class InstanceFiguresTest {

  private static final long SLOW_MS = 150;

  @Test
  void eachInstanceShowsItsOwnLatencyAndErrors(Vertx vertx) throws Exception {
    // The breaker and the passive health are not what this is about: they must not stop the requests.
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject().put("heartbeat_timeout_ms", 2000)
      .put("breaker", new JsonObject().put("max_failures", 100)));
    ScriptedChatBackend slow = mesh.backend("pair", 10, Privacy.LOCAL, "m1").delayMs(SLOW_MS);
    ScriptedChatBackend failing = mesh.backend("pair", 10, Privacy.LOCAL, "m1").mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    Eventually.until(vertx, "both instances in the registry", 5000, () -> MeshFixture.view(vertx),
      view -> view.getJsonArray("backends").getJsonObject(0).getInteger("instances") == 2).await(10, TimeUnit.SECONDS);

    // Until each instance has had a few: which instance a request (or its retry) reaches is the router's choice, and
    // once 12 requests left the slow one with 2 (the failing one answers at once, so its retries come back first).
    for (int i = 0; i < 100 && (i < 12 || slow.served.get() < 3 || failing.served.get() < 3); i++) {
      JsonObject body = new JsonObject().put("model", "m1").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "request " + i)));
      vertx.eventBus().request(Addresses.CHAT, body, new DeliveryOptions().setSendTimeout(10_000))
        .map(m -> true).otherwise(false).await(15, TimeUnit.SECONDS);
    }
    assertTrue(slow.served.get() >= 3 && failing.served.get() >= 3,
      "both instances were sent requests: " + slow.served.get() + " and " + failing.served.get());

    int sent = slow.served.get() + failing.served.get();
    // (figures are recomputed at most every 250 ms: wait until they hold every request)
    JsonObject backend = Eventually.until(vertx, "the figures of every request", 5000, () -> status(vertx),
      b -> b.getInteger("samples") == sent && b.getJsonArray("instance_list").stream().map(JsonObject.class::cast)
        .mapToInt(i -> i.getInteger("samples")).sum() == sent)
      .await(10, TimeUnit.SECONDS);
    List<JsonObject> instances = backend.getJsonArray("instance_list").stream().map(JsonObject.class::cast).toList();
    assertEquals(2, instances.size(), backend.encodePrettily());
    JsonObject bad = instances.stream().filter(i -> i.getDouble("error_rate") > 0).findFirst().orElseThrow(() -> new AssertionError(instances));
    JsonObject good = instances.stream().filter(i -> i != bad).findFirst().orElseThrow();
    assertEquals(1.0, bad.getDouble("error_rate"), bad.encode());
    assertEquals(-1.0, bad.getJsonObject("latency_ms").getDouble("p50"), "no answer, no latency: " + bad.encode());
    assertEquals(failing.served.get(), bad.getInteger("samples"), bad.encode());
    assertEquals(0.0, good.getDouble("error_rate"), good.encode());
    assertEquals(slow.served.get(), good.getInteger("samples"), good.encode());
    assertTrue(good.getJsonObject("latency_ms").getDouble("p50") >= SLOW_MS, good.encode());
    assertTrue(good.getJsonObject("latency_ms").getDouble("p95") >= good.getJsonObject("latency_ms").getDouble("p50"), good.encode());

    double mixed = backend.getDouble("error_rate");
    assertTrue(mixed > 0 && mixed < 1, "the backend's error rate mixes both instances: " + mixed);
    assertEquals("closed", backend.getJsonObject("breaker").getString("state"), "one breaker, the backend's");
  }

  private static Future<JsonObject> status(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status"),
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(5000))
      .map(Message::body)
      .map(s -> s.getJsonArray("backends").stream().map(JsonObject.class::cast).filter(b -> b.getString("id").equals("pair"))
        .findFirst().orElseThrow());
  }
}
