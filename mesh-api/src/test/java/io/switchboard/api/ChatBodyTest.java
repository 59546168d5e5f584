package io.switchboard.api;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A chat body carries its decoded request on a local hand-over, and is plain JSON everywhere else. */
@ExtendWith(VertxExtension.class)
class ChatBodyTest {

  private static JsonObject json() {
    return new JsonObject().put("model", "light").put("privacy", "local").put("cache", "no-store").put("temperature", 0.5)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "héllo")));
  }

  @Test
  void aLocalHandOverCarriesTheDecodedRequest(Vertx vertx, VertxTestContext test) {
    JsonHandOver.register(vertx);
    ChatBody sent = ChatBody.of(json());
    vertx.eventBus().consumer("chat.test", msg -> test.verify(() -> {
      assertSame(sent.request(), ChatBody.request(msg.body()), "the receiver does not decode again");
      test.completeNow();
    })).completion().onComplete(test.succeeding(v -> vertx.eventBus().send("chat.test", sent, JsonHandOver.options(new DeliveryOptions()))));
  }

  /** Vert.x's own codec copies into a plain object: the receiver decodes the same request from it. */
  @Test
  void withoutTheHandOverTheReceiverDecodes(Vertx vertx, VertxTestContext test) {
    ChatBody sent = ChatBody.of(json());
    vertx.eventBus().consumer("chat.copied", msg -> test.verify(() -> {
      assertFalse(msg.body() instanceof ChatBody);
      ChatRequest decoded = ChatBody.request(msg.body());
      assertNotSame(sent.request(), decoded);
      assertEquals(sent.request(), decoded);
      test.completeNow();
    })).completion().onComplete(test.succeeding(v -> vertx.eventBus().send("chat.copied", sent)));
  }

  /** Across the cluster it is the JSON text a plain object sends, and arrives as a plain object. */
  @Test
  void theWireFormIsThePlainJson() {
    Buffer chat = Buffer.buffer();
    JsonHandOver.codec().encodeToWire(chat, ChatBody.of(json()));
    Buffer plain = Buffer.buffer();
    JsonHandOver.codec().encodeToWire(plain, json());
    assertEquals(plain, chat);
    JsonObject received = JsonHandOver.codec().decodeFromWire(0, chat);
    assertEquals(JsonObject.class, received.getClass());
    assertEquals(json(), received);
  }

  /**
   * A {@code ChatBody} equals a plain object with the same content (and hashes alike). The other way round it does not:
   * Vert.x's {@code JsonObject.equals} compares classes (no Switchboard code compares them in that order).
   */
  @Test
  void itEqualsAPlainObjectWithTheSameContent() {
    ChatBody chat = ChatBody.of(json());
    assertEquals(json(), new JsonObject(chat.getMap()));
    assertEquals(chat, json());
    assertEquals(chat, ChatBody.of(json()));
    assertEquals(json().hashCode(), chat.hashCode());
  }

  @Test
  void aBodyThatIsNotAChatIsRefusedNamingTheField() {
    MeshException e = assertThrows(MeshException.class, () -> ChatBody.of(new JsonObject().put("model", "m")));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertThrows(MeshException.class, () -> ChatBody.request(Buffer.buffer("{}")));
  }

  @Test
  void withoutExtraIsWhatDecodingTheBodyWithoutTheFieldGives() {
    JsonObject without = json();
    without.remove("cache");
    assertEquals(ChatRequest.fromJson(without), ChatRequest.fromJson(json()).withoutExtra("cache"));
    ChatRequest none = ChatRequest.fromJson(without);
    assertSame(none, none.withoutExtra("cache"));
    assertInstanceOf(JsonObject.class, ChatBody.of(json()));
  }
}
