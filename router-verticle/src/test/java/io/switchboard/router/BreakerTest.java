package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The circuit breaker of a backend: upstream failures open it, an open breaker keeps requests away, it goes half-open
 * after the reset timeout and closes on a successful trial; the caller's own errors and 429s never open it. Every
 * transition is published on {@link RouterAddresses#BREAKER}.
 */
@ExtendWith(VertxExtension.class)
class BreakerTest {

  private MeshFixture mesh;
  private ScriptedChatBackend flaky;
  private ScriptedChatBackend steady;
  private final List<JsonObject> transitions = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.BREAKER, m -> transitions.add(m.body()));
    mesh = new MeshFixture(vertx).router(new JsonObject()
      .put("breaker", new JsonObject().put("max_failures", 3).put("reset_timeout_ms", 800)));
    flaky = mesh.backend("flaky", 10, Privacy.CLOUD, "m1");
    steady = mesh.backend("steady", 20, Privacy.CLOUD, "m1");
    mesh.awaitLive(2);
  }

  private static JsonObject chat() {
    return new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private JsonObject route(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat()).await(10, TimeUnit.SECONDS).body().getJsonObject(StreamProtocol.ROUTE);
  }

  private void awaitTransition(Vertx vertx, String state, int count) throws Exception {
    Eventually.until(vertx, "'" + state + "' transition " + count + " of flaky's breaker (seen " + transitions + ")", 10_000,
      () -> transitions.stream().filter(t -> "flaky".equals(t.getString("backend")) && state.equals(t.getString("state"))).count() >= count)
      .await(15, TimeUnit.SECONDS);
  }

  private long opened() {
    return transitions.stream().filter(t -> "open".equals(t.getString("state"))).count();
  }

  @Test
  void opensOnUpstreamFailuresSkipsGoesHalfOpenAndClosesOnSuccess(Vertx vertx) throws Exception {
    flaky.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    for (int i = 0; i < 3; i++) {
      assertEquals("steady", route(vertx).getString("backend"), "each failure fails over");
    }
    assertEquals(3, flaky.served.get());
    awaitTransition(vertx, "open", 1);

    JsonObject route = route(vertx);
    assertEquals("steady", route.getString("backend"));
    assertEquals(new JsonObject().put("backend", "flaky").put("reason", "breaker open"), route.getJsonArray("skipped").getJsonObject(0));
    assertEquals(3, flaky.served.get(), "an open breaker keeps requests away from the backend");
    assertEquals("open", mesh.status("flaky").getJsonObject("breaker").getString("state"));

    flaky.mode(ScriptedChatBackend.Mode.OK, ErrorCode.UPSTREAM);
    awaitTransition(vertx, "half_open", 1);
    assertEquals("flaky", route(vertx).getString("backend"), "the half-open breaker lets a trial through");
    awaitTransition(vertx, "closed", 1);
    assertEquals("closed", mesh.status("flaky").getJsonObject("breaker").getString("state"));
    assertEquals("flaky", route(vertx).getString("backend"));
  }

  @Test
  void callersMistakesAndRateLimitsNeverOpenIt(Vertx vertx) throws Exception {
    flaky.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.INVALID_REQUEST);
    for (int i = 0; i < 10; i++) {
      MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
        () -> vertx.eventBus().request(Addresses.CHAT, chat()).await(10, TimeUnit.SECONDS)));
      assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    }
    flaky.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.CONTEXT_TOO_LONG);
    for (int i = 0; i < 5; i++) {
      assertEquals("steady", route(vertx).getString("backend"), "context too long there: another backend may take it");
    }
    flaky.failNext(10, ErrorCode.RATE_LIMITED, 0);
    for (int i = 0; i < 10; i++) {
      assertEquals("steady", route(vertx).getString("backend"), "a 429 moves on to the next candidate");
    }
    assertEquals(25, flaky.served.get(), "flaky was tried every time");
    assertEquals("closed", mesh.status("flaky").getJsonObject("breaker").getString("state"));
    assertEquals(0, opened(), "no breaker opened: " + transitions);
    assertEquals("flaky", route(vertx).getString("backend"));
  }

  @Test
  void anOpenBreakerOnTheOnlyCandidateIs503NamingIt(Vertx vertx) throws Exception {
    steady.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    flaky.mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    for (int i = 0; i < 3; i++) {
      assertThrows(Exception.class, () -> vertx.eventBus().request(Addresses.CHAT, chat().put("provider", "flaky")).await(10, TimeUnit.SECONDS));
    }
    awaitTransition(vertx, "open", 1);
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat().put("provider", "flaky")).await(10, TimeUnit.SECONDS)));
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    assertTrue(e.getMessage().contains("flaky: breaker open"), e.getMessage());
  }
}
