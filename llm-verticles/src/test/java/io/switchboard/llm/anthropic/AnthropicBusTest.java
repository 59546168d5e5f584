package io.switchboard.llm.anthropic;

/*
 * The Anthropic adapter wired to the bus by BackendVerticle, against FakeAnthropic: a whole answer, a stream pulled
 * with BusStreams.next until BusStreams.isEnd (the documented SSE flow underneath), and a documented 429
 * rate_limit_error with retry-after arriving as a failed reply with code 429.
 */

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.BusPull;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.vertx.core.Vertx;
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

class AnthropicBusTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final Vertx vertx = vx.get();
  private final FakeAnthropic fake = AnthropicFixture.fake(vx);

  @BeforeEach
  void start() {
    AnthropicFixture.backends(vx, fake).deployed(new JsonObject().put("models", new JsonArray().add("claude-haiku-4-5")));
  }

  private static JsonObject body(boolean stream) {
    return new JsonObject().put("model", "claude-haiku-4-5").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "over the bus")));
  }

  private static io.vertx.core.eventbus.DeliveryOptions options() {
    return BackendVerticle.requestOptions(Headers.OP_CHAT, "req-bus", "key-bus", System.currentTimeMillis() + 20_000);
  }

  @Test
  void wholeAnswerOverTheBus() throws Exception {
    Message<Object> reply = await(vertx.eventBus().request(Addresses.backend("claude"), body(false), options()));
    JsonObject completion = (JsonObject) reply.body();
    assertEquals("You said: over the bus",
      completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals(5, completion.getJsonObject("usage").getLong("completion_tokens"));
  }

  @Test
  void streamPulledOverTheBus() {
    BusPull.Pulled p = BusPull.pull(vertx, Addresses.backend("claude"), body(true), options());
    assertEquals("You said: over the bus", p.text());
    assertEquals(5, p.usage().getLong("completion_tokens"));
  }

  @Test
  void rateLimitArrivesAsAFailedReply() {
    fake.failNext = new FakeAnthropic.Failure(429, "rate_limit_error", "slow down", "3", null);
    ReplyException reply = Await.failure(vertx.eventBus().request(Addresses.backend("claude"), body(false), options()),
      ReplyException.class);
    assertEquals(429, reply.failureCode());
    MeshException mesh = MeshException.from(reply);
    assertEquals(ErrorCode.RATE_LIMITED, mesh.errorCode());
    assertEquals(3000, mesh.retryAfterMs());
  }
}
