package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stopping a router whose callers are on the bus (no HTTP): the requests in flight, streams included, finish before
 * the router is gone; a request sent once the stop began finds no router (no handlers); a request that never
 * finishes holds the stop only up to {@code drain_timeout_ms}.
 */
@ExtendWith(VertxExtension.class)
class RouterDrainTest {

  static final List<String> WORDS = List.of("Hello", " from", " the", " mesh", ".");

  private static String deployRouter(Vertx vertx, JsonObject conf) throws Exception {
    return vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(conf)).await(10, TimeUnit.SECONDS);
  }

  static void awaitServed(Vertx vertx, ScriptedChatBackend backend, int n) throws Exception {
    Eventually.until(vertx, n + " requests at the backend", 20_000, () -> backend.served.get() >= n).await(25, TimeUnit.SECONDS);
    assertEquals(n, backend.served.get(), "every request reached the backend");
  }

  @Test
  void requestsInFlightFinishBeforeTheRouterStopsAndANewOneFindsNoRouter(Vertx vertx) throws Exception {
    String router = deployRouter(vertx, new JsonObject().put("heartbeat_timeout_ms", 5000));
    MeshFixture mesh = new MeshFixture(vertx);
    // Whole answers after 600 ms, streams of six messages 600 ms apart: all still in flight when the stop begins.
    ScriptedChatBackend slow = mesh.backend("slow", 10, Privacy.CLOUD, "m1").delayMs(600);
    mesh.awaitLive(1);
    BusCaller caller = new BusCaller(vertx);
    List<Future<BusCaller.Answer>> inFlight = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      inFlight.add(caller.send("drain-" + i, "m1", i % 2 == 0, false));
    }
    awaitServed(vertx, slow, 6);

    AtomicLong undeployedAt = new AtomicLong();
    Future<Void> undeployed = vertx.undeploy(router).onSuccess(v -> undeployedAt.set(System.currentTimeMillis()));
    MeshFixture.awaitNoRouter(vertx, 10_000);
    BusCaller.Answer late = caller.send("after-stop", "m1", false, false).await(10, TimeUnit.SECONDS);
    ReplyException refused = assertInstanceOf(ReplyException.class, late.failure(), "a new request finds no router: " + late);
    assertEquals(ReplyFailure.NO_HANDLERS, refused.failureType());

    undeployed.await(30, TimeUnit.SECONDS);
    for (Future<BusCaller.Answer> f : inFlight) {
      BusCaller.Answer a = f.await(30, TimeUnit.SECONDS);
      assertTrue(a.ok(), "a request in flight when the stop began finished: " + a);
      assertEquals(String.join("", WORDS), a.text(), a.requestId());
      assertTrue(a.endedMs() <= undeployedAt.get(), a.requestId() + " ended before the router was gone");
    }
    assertEquals(6, slow.served.get(), "the request sent after the stop began reached no backend");
  }

  @Test
  void aStreamThatNeverFinishesHoldsTheStopOnlyUpToTheDrainTimeout(Vertx vertx) throws Exception {
    String router = deployRouter(vertx, new JsonObject().put("heartbeat_timeout_ms", 5000).put("drain_timeout_ms", 300)
      .put("stream_idle_timeout_ms", 120_000));
    MeshFixture mesh = new MeshFixture(vertx);
    ScriptedChatBackend endless = mesh.backend("endless", 10, Privacy.CLOUD, "m1").words(Collections.nCopies(1000, " word"));
    mesh.awaitLive(1);
    // The caller takes the first message and never asks for the next: the router would wait two minutes for it.
    Message<Object> first = vertx.eventBus().<Object>request(Addresses.CHAT, BusCaller.chat("m1", true)).await(10, TimeUnit.SECONDS);
    assertFalse(BusStreams.isEnd(first));
    vertx.undeploy(router).await(20, TimeUnit.SECONDS);
    BusStreams.cancel(first);
  }

  @Test
  void aDrainTimeoutThatIsNotADurationIsRefusedAtStart(Vertx vertx) {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> deployRouter(vertx,
      new JsonObject().put("drain_timeout_ms", "soon")));
    assertTrue(e.getMessage().contains("router.drain_timeout_ms"), e.getMessage());
  }

  /** Polls with malformed requests (the router refuses them at once) until no router takes them. */
}
