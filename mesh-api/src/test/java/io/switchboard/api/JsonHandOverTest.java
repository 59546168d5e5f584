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
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A JSON object handed over on a local hop is the sender's object, not a copy; on the wire it round-trips exactly. */
@ExtendWith(VertxExtension.class)
class JsonHandOverTest {

  private static JsonObject completion() {
    return new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", "héllo \"there\""))))
      .put("usage", new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 10).put("cost", 0.25));
  }

  /** Sends {@code sent} with {@code options} and, from the consumer that got it, checks {@code same} on what it got. */
  private static void hop(Vertx vertx, VertxTestContext test, DeliveryOptions options, boolean same) {
    JsonHandOver.register(vertx);
    JsonHandOver.register(vertx); // a second verticle registering it is harmless
    JsonObject sent = completion();
    vertx.eventBus().<JsonObject>consumer("json.test", msg -> test.verify(() -> {
      if (same) {
        assertSame(sent, msg.body());
      } else {
        assertNotSame(sent, msg.body());
        assertEquals(sent, msg.body());
      }
      test.completeNow();
    })).completion().onComplete(test.succeeding(v -> vertx.eventBus().send("json.test", sent, options)));
  }

  @Test
  void aLocalReceiverGetsTheSendersObject(Vertx vertx, VertxTestContext test) {
    hop(vertx, test, JsonHandOver.options(new DeliveryOptions()), true);
  }

  /** The contrast that makes the test above mean something: Vert.x's own JsonObject codec copies. */
  @Test
  void withoutTheCodecVertxCopies(Vertx vertx, VertxTestContext test) {
    hop(vertx, test, new DeliveryOptions(), false);
  }

  @Test
  void aReplyCanBeHandedOverToo(Vertx vertx, VertxTestContext test) {
    JsonHandOver.register(vertx);
    JsonObject answer = completion();
    vertx.eventBus().<String>consumer("json.answer", msg -> msg.reply(answer, JsonHandOver.options(new DeliveryOptions())))
      .completion()
      .compose(v -> vertx.eventBus().request("json.answer", "q"))
      .onComplete(test.succeeding(reply -> test.verify(() -> {
        assertSame(answer, reply.body());
        test.completeNow();
      })));
  }

  @Test
  void theWireFormRoundTripsAtAnyOffset() {
    JsonHandOver codec = JsonHandOver.codec();
    Buffer frame = Buffer.buffer("headers:");
    codec.encodeToWire(frame, completion());
    frame.appendString(":trailer");
    assertEquals(completion(), codec.decodeFromWire("headers:".length(), frame));
  }
}
