package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend that answers 429 with {@code Retry-After: 1} is sent nothing for a second: requests go elsewhere
 * meanwhile, or, when it is the only candidate, are retried on it once the second is over. Checked by the order of
 * the times the backend recorded, not by how long the test took.
 */
@ExtendWith(VertxExtension.class)
class RetryAfterTest {

  private static JsonObject chat(String text) {
    return new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private static ScriptedChatBackend.Seen rateLimited(ScriptedChatBackend b) {
    return b.seen.stream().filter(ScriptedChatBackend.Seen::failed).findFirst().orElseThrow();
  }

  @Test
  void theOnlyCandidateIsRetriedOnlyAfterItsRetryAfter(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject());
    ScriptedChatBackend solo = mesh.backend("solo", 10, Privacy.CLOUD, "m1").failNext(1, ErrorCode.RATE_LIMITED, 1000);
    mesh.awaitLive(1);

    JsonObject body = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("first")).await(10, TimeUnit.SECONDS).body();
    assertEquals("solo", body.getJsonObject(StreamProtocol.ROUTE).getString("backend"));
    List<ScriptedChatBackend.Seen> seen = new ArrayList<>(solo.seen);
    assertEquals(2, seen.size(), "one 429, then one retry: " + seen);
    assertTrue(seen.get(0).failed());
    long gap = seen.get(1).atMs() - seen.get(0).atMs();
    assertTrue(gap >= 1000, "the retry came " + gap + " ms after the 429, before its Retry-After of 1 s");
    String reason = body.getJsonObject(StreamProtocol.ROUTE).getJsonArray("skipped").getJsonObject(0).getString("reason");
    assertTrue(reason.startsWith("rate_limit_exceeded"), reason);
  }

  @Test
  void meanwhileRequestsGoElsewhereAndTheBackendIsSkippedWithTheTimeLeft(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject());
    // Retry-After 3 s: long enough that the second request is sent inside it even on a starved machine.
    ScriptedChatBackend limited = mesh.backend("limited", 10, Privacy.CLOUD, "m1").failNext(1, ErrorCode.RATE_LIMITED, 3000);
    ScriptedChatBackend other = mesh.backend("other", 20, Privacy.CLOUD, "m1");
    mesh.awaitLive(2);

    JsonObject first = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("r0")).await(10, TimeUnit.SECONDS).body();
    assertEquals("other", first.getJsonObject(StreamProtocol.ROUTE).getString("backend"), "the 429 fails over");
    long limitedAt = rateLimited(limited).atMs();

    JsonObject during = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("r1")).await(10, TimeUnit.SECONDS).body();
    JsonObject route = during.getJsonObject(StreamProtocol.ROUTE);
    assertEquals("other", route.getString("backend"));
    String reason = route.getJsonArray("skipped").getJsonObject(0).getString("reason");
    assertTrue(reason.matches("rate limited for [0-2]\\.\\ds more"), reason);

    // Keep sending for a while past the Retry-After: the backend sees nothing before its Retry-After is over.
    long until = limitedAt + 3600;
    List<Future<Message<JsonObject>>> replies = new ArrayList<>();
    int i = 2;
    while (System.currentTimeMillis() < until && i < 500) {
      replies.add(vertx.eventBus().request(Addresses.CHAT, chat("r" + i++)));
      Thread.sleep(20); // the scenario itself: a steady trickle of requests across the Retry-After, not a wait for an event
    }
    Future.all(replies).await(10, TimeUnit.SECONDS);
    List<ScriptedChatBackend.Seen> after = limited.seen.stream().filter(s -> !s.failed()).toList();
    assertTrue(!after.isEmpty(), "the backend is used again once the wait is over");
    for (ScriptedChatBackend.Seen s : after) {
      assertTrue(s.atMs() - limitedAt >= 3000, "request '" + s.content() + "' reached the backend " + (s.atMs() - limitedAt)
        + " ms after its 429 with Retry-After: 3");
    }
    assertTrue(other.seen.size() >= 2);
  }

  @Test
  void whenTheWaitOutlastsTheDeadlineTheCallerGets429WithRetryAfter(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject());
    ScriptedChatBackend solo = mesh.backend("solo", 10, Privacy.CLOUD, "m1").failNext(1, ErrorCode.RATE_LIMITED, 5000);
    mesh.awaitLive(1);
    MeshException e = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat("x").put("timeout_ms", 500)).await(10, TimeUnit.SECONDS)));
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode());
    assertEquals(5000, e.retryAfterMs());
    assertEquals(1, solo.seen.size(), "not retried before its Retry-After");

    MeshException next = assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat("y")).await(10, TimeUnit.SECONDS)));
    assertEquals(ErrorCode.RATE_LIMITED, next.errorCode(), "while it waits, it is not a candidate: " + next.getMessage());
    assertTrue(next.retryAfterMs() > 0 && next.retryAfterMs() <= 5000, "Retry-After " + next.retryAfterMs());
    assertTrue(next.getMessage().contains("rate limited for"), next.getMessage());
    assertEquals(1, solo.seen.size());
  }
}
