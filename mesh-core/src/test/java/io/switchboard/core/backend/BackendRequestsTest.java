package io.switchboard.core.backend;

import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A backend takes the chat request the router decoded when the body was handed over, and decodes any other body. */
@ExtendWith(VertxExtension.class)
class BackendRequestsTest {

  private static JsonObject json() {
    return new JsonObject().put("model", "qwen2.5:0.5b").put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void aHandedOverChatIsNotDecodedAgain(Vertx vertx, VertxTestContext test) {
    JsonHandOver.register(vertx);
    ChatBody sent = ChatBody.of(json());
    vertx.eventBus().consumer("backend.test", msg -> test.verify(() -> {
      assertSame(sent.request(), BackendRequests.chat(msg));
      test.completeNow();
    })).completion().onComplete(test.succeeding(v -> vertx.eventBus().send("backend.test", sent, JsonHandOver.options(new DeliveryOptions()))));
  }

  @Test
  void aPlainBodyIsDecodedAndValidated(Vertx vertx, VertxTestContext test) {
    vertx.eventBus().consumer("backend.plain", msg -> test.verify(() -> {
      if (((JsonObject) msg.body()).containsKey("messages")) {
        assertEquals(ChatRequest.fromJson(json()), BackendRequests.chat(msg));
      } else {
        assertThrows(MeshException.class, () -> BackendRequests.chat(msg));
        test.completeNow();
      }
    })).completion().onComplete(test.succeeding(v -> {
      vertx.eventBus().send("backend.plain", json());
      vertx.eventBus().send("backend.plain", new JsonObject().put("model", "m"));
    }));
  }
}
