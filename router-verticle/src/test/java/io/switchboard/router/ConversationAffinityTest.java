package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A conversation's turns through the router to a backend with two instances: each turn (the growing history, resent)
 * goes to the instance that served the conversation before, whose prompt cache holds it, while that instance is no
 * busier than the other; a busier one is passed over. Different conversations spread over both instances.
 */
@ExtendWith(VertxExtension.class)
class ConversationAffinityTest {

  // Odd, so that round-robin alone would send a conversation's next turn to the other instance.
  private static final int CONVERSATIONS = 15;

  private ScriptedChatBackend one;
  private ScriptedChatBackend two;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject().put("heartbeat_timeout_ms", 1000));
    // Two instances of one backend: BackendVerticle gives each its own instance id.
    one = mesh.backend("local", 10, Privacy.LOCAL, "m1");
    two = mesh.backend("local", 10, Privacy.LOCAL, "m1");
    Eventually.until(vertx, "both instances in the registry", 5000, () -> MeshFixture.view(vertx),
      view -> view.getJsonArray("backends").getJsonObject(0).getInteger("instances") == 2).await(10, TimeUnit.SECONDS);
  }

  @Test
  void everyTurnOfAConversationGoesToTheInstanceThatServedItBefore(Vertx vertx) throws Exception {
    for (int turn = 1; turn <= 3; turn++) {
      for (int c = 0; c < CONVERSATIONS; c++) {
        chat(vertx, c, turn, turn % 2 == 0).await(10, TimeUnit.SECONDS);
      }
    }
    int onOne = 0;
    for (int c = 0; c < CONVERSATIONS; c++) {
      ScriptedChatBackend first = servedBy(c, 1);
      assertNotNull(first, "conversation " + c + " turn 1 was served");
      for (int turn = 2; turn <= 3; turn++) {
        assertEquals(first, servedBy(c, turn), "conversation " + c + " turn " + turn + " went where turn 1 went");
      }
      onOne += first == one ? 1 : 0;
    }
    assertTrue(onOne > 0 && onOne < CONVERSATIONS, "conversations spread over both instances: " + onOne + " of " + CONVERSATIONS + " on one");
  }

  @Test
  void aBusierPreferredInstanceIsPassedOver(Vertx vertx) throws Exception {
    chat(vertx, 0, 1, false).await(10, TimeUnit.SECONDS);
    ScriptedChatBackend preferred = servedBy(0, 1);
    one.delayMs(800);
    two.delayMs(800);
    // Turn 2 occupies the preferred instance; turn 3, sent meanwhile, finds the other one idle and takes it.
    Future<String> second = chat(vertx, 0, 2, false);
    Future<String> third = chat(vertx, 0, 3, false);
    Future.all(second, third).await(10, TimeUnit.SECONDS);
    assertEquals(preferred, servedBy(0, 2));
    assertNotEquals(preferred, servedBy(0, 3), "the busy preferred instance was passed over");
    assertEquals("Hello from the mesh.", third.result());
  }

  /** Turn {@code turn} of conversation {@code c}: one system prompt for all, its own first user message, the history since. */
  private static Future<String> chat(Vertx vertx, int c, int turn, boolean stream) {
    JsonArray messages = new JsonArray()
      .add(message("system", "You are the phone agent of a restaurant."))
      .add(message("user", text(c, 1)));
    for (int t = 2; t <= turn; t++) {
      messages.add(message("assistant", "Hello from the mesh.")).add(message("user", text(c, t)));
    }
    JsonObject body = new JsonObject().put("model", "m1").put("stream", stream).put("messages", messages);
    return vertx.eventBus().<Object>request(Addresses.CHAT, body).compose(BusCaller::text);
  }

  private static String text(int c, int turn) {
    return "conversation " + c + " turn " + turn;
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  /** The instance whose requests include turn {@code turn} of conversation {@code c} (null: none). */
  private ScriptedChatBackend servedBy(int c, int turn) {
    String last = text(c, turn);
    for (ScriptedChatBackend b : List.of(one, two)) {
      if (b.seen.stream().anyMatch(s -> s.content().equals(last))) {
        return b;
      }
    }
    return null;
  }
}
