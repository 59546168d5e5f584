package io.switchboard.llm.openai;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.BusPull;
import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static io.switchboard.llm.openai.OpenAiTestKit.KEY;
import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.openai.OpenAiTestKit.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter behind a real {@link BackendVerticle}, driven over the event bus with the mesh's stream protocol. */
@ExtendWith(VertxExtension.class)
class OpenAiBusTest {

  private Vertx vertx;
  private FakeOpenAiServer fake;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    fake = await(FakeOpenAiServer.start(vertx)).requireKey(KEY);
    await(vertx.deployVerticle(new BackendVerticle(OpenAiTestKit.backend(vertx, fake))));
  }

  @AfterEach
  void tearDown() {
    await(fake.close());
  }

  private Future<Message<Object>> send(String op, JsonObject body) {
    return vertx.eventBus().request(Addresses.backend("openai"), body,
      BackendVerticle.requestOptions(op, "bus-req-1", "key-1", System.currentTimeMillis() + 20_000));
  }

  private static ReplyException replyFailure(Future<?> f) {
    return Await.failure(f, ReplyException.class);
  }

  private BusPull.Pulled pull(JsonObject request) {
    return BusPull.pull(vertx, Addresses.backend("openai"), request,
      BackendVerticle.requestOptions(Headers.OP_CHAT, "bus-req-1", "key-1", System.currentTimeMillis() + 20_000));
  }

  @Test
  void wholeChatOverTheBus() {
    fake.enqueue(Behaviour.reply("Bonjour."));
    Message<Object> reply = await(send(Headers.OP_CHAT, chat("Say hello in French", false).toJson()));
    JsonObject body = (JsonObject) reply.body();
    assertEquals("Bonjour.", body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("bus-req-1", fake.lastRequest().header("x-request-id"));
  }

  @Test
  void streamedChatOverTheBus() {
    fake.enqueue(Behaviour.reply("one two three four five six").chunkDelayMs(3));
    BusPull.Pulled p = pull(chat("count", true).toJson());
    assertEquals(null, p.failure());
    assertEquals("one two three four five six", p.text());
    assertEquals(6L, p.end().getJsonObject(StreamProtocol.USAGE).getLong("completion_tokens"));
  }

  @Test
  void aStreamCutMidwayEndsInAFailureOverTheBus() {
    fake.enqueue(Behaviour.reply("one two three four five six").chunkDelayMs(3).cutAfter(3));
    BusPull.Pulled p = pull(chat("count", true).toJson());
    assertEquals(null, p.end(), "never a clean end");
    assertEquals(ErrorCode.UPSTREAM.httpStatus(), p.failure().failureCode());
    assertTrue(p.failure().getMessage().contains("before [DONE]"), p.failure().getMessage());
    assertFalse(p.chunks().isEmpty());
  }

  @Test
  void rateLimitTravelsWithItsRetryAfter() {
    fake.enqueue(Behaviour.error(429, "Rate limit reached").retryAfter("4"));
    ReplyException e = replyFailure(send(Headers.OP_CHAT, chat("hi", false).toJson()));
    assertEquals(429, e.failureCode());
    MeshException m = MeshException.from(e);
    assertEquals(ErrorCode.RATE_LIMITED, m.errorCode());
    assertEquals(4000, m.retryAfterMs());
  }

  @Test
  void embeddingsOverTheBus() {
    JsonObject request = new JsonObject().put("model", "text-embedding-3-small").put("input", "hello");
    JsonObject body = (JsonObject) await(send(Headers.OP_EMBED, request)).body();
    assertEquals(1, body.getJsonArray("data").size());
    assertEquals("/v1/embeddings", fake.lastRequest().path());
  }

  @Test
  void callerCancellingTheStreamClosesTheUpstream() {
    fake.enqueue(Behaviour.reply("a b c d e f g h i j k l m n o p").chunkDelayMs(100));
    Message<Object> first = await(send(Headers.OP_CHAT, chat("hi", true).toJson()));
    assertTrue(BusStreams.isStream(first));
    BusStreams.cancel(first);
    await(fake.lastRequest().closedEarly());
    assertEquals(1, fake.abortedCount());
  }
}
