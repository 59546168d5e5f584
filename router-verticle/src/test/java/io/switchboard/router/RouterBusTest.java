package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router over the event bus alone: a caller with no HTTP sends to switchboard.chat. */
@ExtendWith(VertxExtension.class)
class RouterBusTest {

  private MeshFixture mesh;
  private ScriptedChatBackend first;
  private ScriptedChatBackend second;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = new MeshFixture(vertx).router(new JsonObject().put("heartbeat_timeout_ms", 1000));
    first = mesh.backend("alpha", 10, Privacy.CLOUD, "m1");
    second = mesh.backend("beta", 20, Privacy.CLOUD, "m1", "m2");
    mesh.awaitLive(2);
  }

  private static JsonObject chat(String model, boolean stream) {
    return new JsonObject().put("model", model).put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void nonStreamingAnswerSaysWhichBackendServed(Vertx vertx) throws Exception {
    Message<JsonObject> reply = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("m1", false)).await(5, TimeUnit.SECONDS);
    JsonObject body = reply.body();
    assertEquals("Hello from the mesh.", body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("alpha", body.getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    assertEquals("alpha", reply.headers().get(Headers.BACKEND));
    assertEquals(1, first.served.get());
    assertEquals(0, second.served.get());
  }

  @Test
  void aliasResolvesToTheBackendsModel(Vertx vertx) throws Exception {
    JsonObject body = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("light", false)).await(5, TimeUnit.SECONDS).body();
    assertEquals("m1", body.getString("model"));
  }

  @Test
  void streamArrivesInOrderAndEndsWithUsage(Vertx vertx) throws Exception {
    List<String> pieces = new ArrayList<>();
    Message<Object> msg = vertx.eventBus().<Object>request(Addresses.CHAT, chat("m2", true)).await(5, TimeUnit.SECONDS);
    assertEquals("beta", ((JsonObject) msg.body()).getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    while (true) {
      JsonObject body = (JsonObject) msg.body();
      body.getJsonArray(StreamProtocol.CHUNKS).forEach(c -> {
        JsonObject delta = ((JsonObject) c).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
        if (delta.containsKey("content")) {
          pieces.add(delta.getString("content"));
        }
      });
      if (BusStreams.isEnd(msg)) {
        assertEquals(5, body.getJsonObject(StreamProtocol.USAGE).getInteger("completion_tokens"));
        break;
      }
      msg = BusStreams.next(msg, 5000).await(5, TimeUnit.SECONDS);
    }
    assertEquals(List.of("Hello", " from", " the", " mesh", "."), pieces);
  }

  @Test
  void failureBeforeContentMovesToTheNextCandidate(Vertx vertx) throws Exception {
    first.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    JsonObject body = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("m1", false)).await(5, TimeUnit.SECONDS).body();
    JsonObject route = body.getJsonObject(StreamProtocol.ROUTE);
    assertEquals("beta", route.getString("backend"));
    assertEquals("alpha", route.getJsonArray("skipped").getJsonObject(0).getString("backend"));
    assertTrue(route.getJsonArray("skipped").getJsonObject(0).getString("reason").contains("upstream_error"));

    Message<Object> stream = vertx.eventBus().<Object>request(Addresses.CHAT, chat("m1", true)).await(5, TimeUnit.SECONDS);
    assertEquals("beta", ((JsonObject) stream.body()).getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    BusStreams.cancel(stream);
  }

  @Test
  void callersOwnMistakeIsNotRetriedElsewhere(Vertx vertx) {
    first.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.INVALID_REQUEST);
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat("m1", false)).await(5, TimeUnit.SECONDS)));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals(0, second.served.get());
  }

  @Test
  void streamCutAfterContentEndsInErrorNeverCleanly(Vertx vertx) throws Exception {
    second.cutAfter(2);
    Message<Object> msg = vertx.eventBus().<Object>request(Addresses.CHAT, chat("m2", true)).await(5, TimeUnit.SECONDS);
    Exception failure = null;
    int messages = 1;
    while (failure == null) {
      assertFalse(BusStreams.isEnd(msg), "a cut stream must not end cleanly");
      try {
        msg = BusStreams.next(msg, 5000).await(5, TimeUnit.SECONDS);
        messages++;
      } catch (Exception e) {
        failure = e;
      }
    }
    assertTrue(messages >= 1);
    MeshException e = assertInstanceOf(MeshException.class, failure);
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
  }

  @Test
  void unknownModelIs404AndBadRequestIs400(Vertx vertx) {
    MeshException unknown = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat("nope", false)).await(5, TimeUnit.SECONDS)));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, unknown.errorCode());
    MeshException bad = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, new JsonObject().put("model", "m1")).await(5, TimeUnit.SECONDS)));
    assertEquals(400, bad.failureCode());
    assertEquals("messages", bad.param());
  }

  @Test
  void cancellingAStreamReachesTheBackend(Vertx vertx) throws Exception {
    second.words(java.util.Collections.nCopies(200, " word"));
    Message<Object> msg = vertx.eventBus().<Object>request(Addresses.CHAT, chat("m2", true)).await(5, TimeUnit.SECONDS);
    BusStreams.cancel(msg);
    second.firstCancel().await(5, TimeUnit.SECONDS);
    assertEquals(1, second.cancelled.get());
  }

  @Test
  void registryViewAndHeartbeatTimeout(Vertx vertx) throws Exception {
    // A backend instance that announces once and then falls silent, as a killed process would.
    JsonObject ghost = first.descriptor().toJson().put("id", "ghost").put("instance_id", "ghost@1");
    vertx.eventBus().publish(Addresses.REGISTRY, ghost);
    mesh.awaitLive(3);
    JsonObject view = vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject()).await(5, TimeUnit.SECONDS).body();
    assertNotNull(view.getJsonArray("backends").stream().filter(b -> "ghost".equals(((JsonObject) b).getString("id"))).findFirst().orElse(null));
    view = Eventually.until(vertx, "the silent ghost dropped (a backend whose heartbeats stop)", 5000, () -> MeshFixture.view(vertx),
      v -> v.getJsonArray("backends").stream().noneMatch(b -> "ghost".equals(((JsonObject) b).getString("id"))))
      .await(10, TimeUnit.SECONDS);
    assertEquals(2, view.getJsonArray("backends").size(), "live backends that keep beating stay");
  }

  @Test
  void requestsOnAnInstanceThatDiesMoveToAnotherInstance(Vertx vertx) throws Exception {
    // A second instance of "alpha" that takes requests and never answers, and stops heartbeating: a SIGKILLed process.
    java.util.concurrent.atomic.AtomicInteger hungGot = new java.util.concurrent.atomic.AtomicInteger();
    vertx.eventBus().consumer(Addresses.instance("alpha@hung"), m -> hungGot.incrementAndGet());
    JsonObject hung = first.descriptor().toJson().put("instance_id", "alpha@hung");
    vertx.eventBus().publish(Addresses.REGISTRY, hung);
    Eventually.until(vertx, "alpha's two instances in the registry", 5000, () -> MeshFixture.view(vertx),
      view -> view.getJsonArray("backends").getJsonObject(0).getInteger("instances") == 2).await(10, TimeUnit.SECONDS);
    List<io.vertx.core.Future<Message<JsonObject>>> replies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      replies.add(vertx.eventBus().request(Addresses.CHAT, chat("m1", false),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(8000)));
    }
    for (var r : replies) {
      JsonObject body = r.await(10, TimeUnit.SECONDS).body();
      assertEquals("alpha", body.getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    }
    assertTrue(hungGot.get() > 0, "some requests went to the instance that died");
    assertEquals(6, first.served.get(), "every request was served by the live instance, some after their first instance died");
  }
}
