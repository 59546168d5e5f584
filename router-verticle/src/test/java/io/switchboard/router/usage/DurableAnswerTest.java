package io.switchboard.router.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.router.Eventually;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.ScriptedChatBackend;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of things at the end of a request: with durable answers the caller gets the answer (the whole reply,
 * a stream's end, an error) only after the ledger confirmed the usage record; without them, at once. Here the
 * "ledger" is a consumer of {@code switchboard.usage} that holds each record until the test lets it go.
 */
@ExtendWith(VertxExtension.class)
class DurableAnswerTest {

  private Vertx vertx;
  private final List<Message<JsonObject>> held = new CopyOnWriteArrayList<>();
  /** Completed when the first usage record is held. */
  private final Promise<Void> firstHeld = Promise.promise();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    MeshExceptionCodec.register(vertx);
  }

  private ScriptedChatBackend mesh(boolean durable, boolean ledger, long timeoutMs) throws Exception {
    if (ledger) {
      vertx.eventBus().<JsonObject>consumer(Addresses.USAGE, m -> {
        held.add(m);
        firstHeld.tryComplete();
      }).completion().await(5, TimeUnit.SECONDS);
    }
    vertx.deployVerticle(new RouterVerticle(new UsageSettings(true, durable, timeoutMs, false, null, false), null),
      new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_timeout_ms", 2000))).await(10, TimeUnit.SECONDS);
    MeshFixture fixture = new MeshFixture(vertx);
    ScriptedChatBackend alpha = fixture.backend("alpha", 10, Privacy.CLOUD, "m1");
    fixture.awaitLive(1);
    return alpha;
  }

  private Future<Message<Object>> ask(String requestId, boolean stream, String model) {
    JsonObject body = new JsonObject().put("model", model).put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello there")));
    return vertx.eventBus().request(Addresses.CHAT, body, new DeliveryOptions().addHeader(Headers.REQUEST_ID, requestId));
  }

  private void awaitHeld(int n) throws Exception {
    Eventually.until(vertx, n + " record(s) sent", 5000, () -> held.size() >= n).await(10, TimeUnit.SECONDS);
    assertEquals(n, held.size(), "records sent");
  }

  private static void confirm(Message<JsonObject> record) {
    record.reply(new JsonObject().put("durable", true));
  }

  @Test
  void theAnswerWaitsForTheRecord() throws Exception {
    mesh(true, true, 10_000);
    Future<Message<Object>> answer = ask("r-whole", false, "m1");
    awaitHeld(1);
    assertFalse(answer.isComplete(), "answered before the record was durable");
    UsageRecord r = UsageRecord.fromJson(held.get(0).body());
    assertEquals("r-whole", r.requestId());
    assertEquals("alpha", r.backend());
    assertEquals(200, r.status());
    assertEquals(0, r.firstByteMs(), "a whole answer has no first byte time");
    confirm(held.get(0));
    JsonObject body = (JsonObject) answer.await(5, TimeUnit.SECONDS).body();
    assertEquals("Hello from the mesh.", body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
  }

  @Test
  void aStreamEndsOnlyOnceItsRecordIsDurable() throws Exception {
    mesh(true, true, 10_000);
    Message<Object> msg = ask("r-stream", true, "m1").await(5, TimeUnit.SECONDS);
    Future<Message<Object>> next = BusStreams.next(msg, 5000);
    // Pull until the record is sent: the end, held back until the record is durable, must not come before.
    while (Future.any(next, firstHeld.future()).await(5, TimeUnit.SECONDS) != null && !firstHeld.future().isComplete()) {
      msg = next.result();
      assertFalse(BusStreams.isEnd(msg), "the end came before the record was durable");
      next = BusStreams.next(msg, 5000);
    }
    assertFalse(next.isComplete());
    UsageRecord r = UsageRecord.fromJson(held.get(0).body());
    assertEquals(5, r.outputTokens());
    assertEquals(3, r.inputTokens());
    assertTrue(r.firstByteMs() <= r.latencyMs());
    confirm(held.get(0));
    assertTrue(BusStreams.isEnd(next.await(5, TimeUnit.SECONDS)));
  }

  @Test
  void aFailureToo() throws Exception {
    mesh(true, true, 10_000).mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    Future<Message<Object>> answer = ask("r-fail", false, "m1");
    awaitHeld(1);
    assertFalse(answer.isComplete());
    UsageRecord r = UsageRecord.fromJson(held.get(0).body());
    assertEquals(502, r.status());
    assertEquals("UPSTREAM", r.errorCode());
    assertEquals("alpha", r.backend());
    assertEquals(0, r.costUsd());
    confirm(held.get(0));
    assertEquals(ErrorCode.UPSTREAM, MeshException.from(failure(answer)).errorCode());
  }

  @Test
  void anUnknownModelIsRecordedWithoutABackend() throws Exception {
    mesh(true, true, 10_000);
    Future<Message<Object>> answer = ask("r-unknown", false, "no-such-model");
    awaitHeld(1);
    UsageRecord r = UsageRecord.fromJson(held.get(0).body());
    assertEquals("MODEL_NOT_FOUND", r.errorCode());
    assertNull(r.backend());
    confirm(held.get(0));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, MeshException.from(failure(answer)).errorCode());
  }

  @Test
  void withoutDurableAnswersTheAnswerDoesNotWait() throws Exception {
    mesh(false, true, 10_000);
    Message<Object> answer = ask("r-fast", false, "m1").await(5, TimeUnit.SECONDS);
    assertTrue(answer.body() instanceof JsonObject);
    awaitHeld(1);
    assertEquals("r-fast", UsageRecord.fromJson(held.get(0).body()).requestId());
  }

  @Test
  void withNoLedgerAnywhereTheAnswerStillGoesOut() throws Exception {
    mesh(true, false, 300);
    Message<Object> answer = ask("r-lost", false, "m1").await(5, TimeUnit.SECONDS);
    assertTrue(answer.body() instanceof JsonObject);
  }

  @Test
  void aLedgerThatNeverConfirmsDelaysTheAnswerByTheTimeoutOnly() throws Exception {
    mesh(true, true, 300);
    Message<Object> answer = ask("r-slow", false, "m1").await(5, TimeUnit.SECONDS);
    assertTrue(answer.body() instanceof JsonObject);
    assertEquals(1, held.size(), "the record was sent and never confirmed");
  }

  private static Throwable failure(Future<?> f) {
    try {
      f.await(5, TimeUnit.SECONDS);
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected a failure");
  }
}
