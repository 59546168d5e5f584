package io.switchboard.llm.openai;

import io.switchboard.core.testkit.Await;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

import static io.switchboard.llm.openai.OpenAiTestKit.KEY;
import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.openai.OpenAiTestKit.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

  /** Pulls a whole stream: every chunk, then the end body (or the failure that ended it). */
  private record Pulled(List<JsonObject> chunks, JsonObject end, ReplyException failure) {
  }

  private Pulled pull(JsonObject request) {
    List<JsonObject> chunks = new ArrayList<>();
    Future<Message<Object>> next = send(Headers.OP_CHAT, request);
    for (int i = 0; i < 10_000; i++) {
      Message<Object> msg;
      try {
        msg = next.await(Await.SECONDS, TimeUnit.SECONDS);
      } catch (ReplyException e) {
        return new Pulled(chunks, null, e);
      } catch (TimeoutException e) {
        throw new AssertionError("no stream message within " + Await.SECONDS + " s", e);
      }
      assertTrue(BusStreams.isStream(msg), "a streamed reply carries the stream header");
      JsonObject body = (JsonObject) msg.body();
      body.getJsonArray(StreamProtocol.CHUNKS, new JsonArray()).forEach(c -> chunks.add((JsonObject) c));
      if (BusStreams.isEnd(msg)) {
        return new Pulled(chunks, body, null);
      }
      next = BusStreams.next(msg, 20_000);
    }
    return fail("stream did not end");
  }

  private static String text(List<JsonObject> chunks) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject c : chunks) {
      String piece = c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
      sb.append(piece == null ? "" : piece);
    }
    return sb.toString();
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
    Pulled p = pull(chat("count", true).toJson());
    assertEquals(null, p.failure());
    assertEquals("one two three four five six", text(p.chunks()));
    assertEquals(6L, p.end().getJsonObject(StreamProtocol.USAGE).getLong("completion_tokens"));
  }

  @Test
  void aStreamCutMidwayEndsInAFailureOverTheBus() {
    fake.enqueue(Behaviour.reply("one two three four five six").chunkDelayMs(3).cutAfter(3));
    Pulled p = pull(chat("count", true).toJson());
    assertEquals(null, p.end(), "never a clean end");
    assertEquals(ErrorCode.UPSTREAM.failureCode(), p.failure().failureCode());
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
