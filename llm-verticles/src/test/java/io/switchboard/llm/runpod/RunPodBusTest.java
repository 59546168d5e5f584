package io.switchboard.llm.runpod;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
/*
 * The RunPod adapter wired to the bus by BackendVerticle, against FakeRunPod: a whole answer (/runsync), a stream
 * (/run + /stream polls) pulled with BusStreams.next until BusStreams.isEnd, a FAILED job arriving as a failed reply
 * (502), and the cold-start health answered to OP_HEALTH.
 */

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.BusPull;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPodBusTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final Vertx vertx = vx.get();
  private final FakeRunPod fake = RunPodFixture.fake(vx);

  @BeforeEach
  void start() {
    RunPodFixture.backends(vx, fake).deployed(new JsonObject().put("cold_after_ms", 300).put("health_probe_ms", 60_000));
  }

  private static JsonObject body(boolean stream) {
    return new JsonObject().put("model", "worker").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "via the bus")));
  }

  private static DeliveryOptions options(String op) {
    return BackendVerticle.requestOptions(op, "req-bus", null, System.currentTimeMillis() + 20_000);
  }

  @Test
  void wholeAnswerOverTheBus() throws Exception {
    Message<Object> reply = await(vertx.eventBus().request(Addresses.backend("rp"), body(false), options(Headers.OP_CHAT)));
    assertEquals("echo via the bus", ((JsonObject) reply.body()).getJsonArray("choices").getJsonObject(0)
      .getJsonObject("message").getString("content"));
  }

  @Test
  void streamPulledOverTheBus() {
    fake.plan = new FakeRunPod.JobPlan(0, 40, "COMPLETED", null, "text");
    BusPull.Pulled p = BusPull.pull(vertx, Addresses.backend("rp"), body(true), options(Headers.OP_CHAT));
    assertEquals("echo via the bus", p.text());
    assertTrue(p.usage().getLong("total_tokens") > 0);
  }

  @Test
  void failedJobArrivesAsAFailedReply() {
    fake.plan = new FakeRunPod.JobPlan(0, 5, "FAILED", "handler raised ValueError", "text");
    ReplyException reply = Await.failure(vertx.eventBus().request(Addresses.backend("rp"), body(false), options(Headers.OP_CHAT)),
      ReplyException.class);
    assertEquals(502, reply.failureCode());
    assertEquals(ErrorCode.UPSTREAM, MeshException.from(reply).errorCode());
    assertTrue(reply.getMessage().contains("handler raised ValueError"), reply.getMessage());
  }

  @Test
  void coldStartShowsInTheHealthAnswer() throws Exception {
    fake.plan = new FakeRunPod.JobPlan(1_500, 5, "COMPLETED", null, "text");
    await(vertx.eventBus().request(Addresses.backend("rp"), body(false), options(Headers.OP_CHAT)));
    Message<Object> health = await(vertx.eventBus().request(Addresses.backend("rp"), null, options(Headers.OP_HEALTH)));
    Health h = Health.fromJson((JsonObject) health.body());
    assertEquals(Health.Status.DEGRADED, h.status());
    assertTrue(h.reason().startsWith("cold start: job queued "), h.reason());
  }
}
