package io.switchboard.llm.anthropic;

import io.switchboard.core.testkit.Await;
import io.switchboard.llm.testkit.Drain;
/*
 * Documented Anthropic failures this test covers (docs.anthropic.com: Errors, Streaming Messages), against
 * FakeAnthropic: the error shape {"type":"error","error":{"type","message"}} with 400 invalid_request_error (incl.
 * "prompt is too long"), 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
 * 413 request_too_large (also as Cloudflare's HTML page), 429 rate_limit_error with retry-after, 500 api_error,
 * 529 overloaded_error, for whole answers and for streams before their first event; an `error` event after a 200
 * (before and after content); and the network: a slow first byte, a slow whole answer past the deadline, a stall
 * mid-stream, a connection cut before message_stop, connection refused. The key never appears in any error.
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicFailuresTest {

  private static Vertx vertx;
  private FakeAnthropic fake;
  private AnthropicBackend backend;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void start() throws Exception {
    fake = await(new FakeAnthropic(vertx).start());
    backend = backend(new JsonObject());
  }

  @AfterEach
  void stop() throws Exception {
    await(backend.stop());
    await(fake.stop());
  }

  private AnthropicBackend backend(JsonObject overrides) {
    JsonObject conf = new JsonObject().put("id", "claude").put("type", "anthropic").put("base_url", fake.baseUrl())
      .put("models", new JsonArray().add("claude-sonnet-4-5").add("claude-haiku-4-5"))
      .mergeIn(overrides, true);
    return (AnthropicBackend) new AnthropicProvider().create(vertx,
      new BackendConfig(conf, Map.of("ANTHROPIC_API_KEY", FakeAnthropic.KEY)));
  }

  private static ChatRequest request(boolean stream, JsonObject extra) {
    JsonObject body = new JsonObject().put("model", "claude-sonnet-4-5").put("stream", stream)
      .put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "developer").put("content", "Answer in English."))
        .add(new JsonObject().put("role", "user").put("content", "Hi."))
        .add(new JsonObject().put("role", "assistant").put("content", "Hello!"))
        .add(new JsonObject().put("role", "user").put("content", "First part,"))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", "how are you today")))));
    return ChatRequest.fromJson(body.mergeIn(extra));
  }

  private static CallContext ctx() {
    return new CallContext("req-1", "key-1", System.currentTimeMillis() + 30_000);
  }

  @ParameterizedTest(name = "{0} {1} -> {4}")
  @CsvSource(delimiter = '|', value = {
    "400 | invalid_request_error | messages: text content blocks must be non-empty |   | INVALID_REQUEST  | 0    | text content blocks",
    "400 | invalid_request_error | prompt is too long: 210000 tokens > 200000 maximum | | CONTEXT_TOO_LONG | 0  | prompt is too long",
    "401 | authentication_error  | invalid x-api-key |                                  | UPSTREAM         | 0    | rejected the credentials (401)",
    "402 | billing_error         | Your credit balance is too low |                     | UPSTREAM         | 0    | no credit left (402)",
    "403 | permission_error      | Your API key does not have permission |              | UPSTREAM         | 0    | refused access (403)",
    "404 | not_found_error       | model: claude-sonnet-4-5 |                           | MODEL_NOT_FOUND  | 0    | model: claude-sonnet-4-5",
    "413 | request_too_large     | Request exceeds the maximum allowed number of bytes | | PAYLOAD_TOO_LARGE | 0  | too large",
    "429 | rate_limit_error      | Number of request tokens has exceeded your per-minute rate limit | 7 | RATE_LIMITED | 7000 | rate limit",
    "500 | api_error             | Internal server error |                              | UPSTREAM         | 0    | Internal server error",
    "529 | overloaded_error      | Overloaded | 2                                         | UNAVAILABLE      | 2000 | overloaded",
  })
  void everyDocumentedErrorMapsToItsClass(int status, String type, String message, String retryAfter, ErrorCode code,
                                           long retryMs, String mentions) throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      fake.failNext = new FakeAnthropic.Failure(status, type, message, retryAfter, null);
      MeshException e = stream
        ? await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx()))).meshFailure()
        : failure(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject()), ctx())));
      assertEquals(code, e.errorCode(), e.getMessage());
      assertEquals(retryMs, e.retryAfterMs());
      assertTrue(e.getMessage().contains(mentions), e.getMessage());
      assertEquals(code.upstreamFault(), e.errorCode().upstreamFault());
    }
  }

  @Test
  void cloudflare413PageWithoutJsonStillMaps() throws Exception {
    fake.failNext = new FakeAnthropic.Failure(413, null, null, null, "<html><body>413 Request Entity Too Large</body></html>");
    MeshException e = failure(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject()), ctx())));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
  }

  @Test
  void realRejectionsOfTheFakeMapToo() throws Exception {
    MeshException unknownModel = failure(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject()).withModel("claude-9"), ctx())));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, unknownModel.errorCode());

    AnthropicBackend wrongKey = (AnthropicBackend) new AnthropicProvider().create(vertx, new BackendConfig(
      new JsonObject().put("id", "c").put("type", "anthropic").put("base_url", fake.baseUrl()),
      Map.of("ANTHROPIC_API_KEY", "sk-ant-api03-WRONG-KEY-000000000")));
    MeshException rejected = failure(Drain.onContext(vertx, () -> wrongKey.chat(request(false, new JsonObject()), ctx())));
    assertEquals(ErrorCode.UPSTREAM, rejected.errorCode());
    assertTrue(rejected.getMessage().contains("rejected the credentials"), rejected.getMessage());
    await(wrongKey.stop());
  }

  @Test
  void theKeyNeverAppearsInAnError() throws Exception {
    fake.failNext = new FakeAnthropic.Failure(400, "invalid_request_error", "bad header x-api-key: " + FakeAnthropic.KEY, null, null);
    MeshException e = failure(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject()), ctx())));
    assertFalse(e.getMessage().contains(FakeAnthropic.KEY), e.getMessage());
    assertFalse(e.getMessage().contains(FakeAnthropic.KEY.substring(0, 8)), e.getMessage());
    assertTrue(e.getMessage().contains("***"));
    assertFalse(backend.descriptor().toJson().encode().contains(FakeAnthropic.KEY));
  }

  @Test
  void errorEventAfterContentFailsTheStreamNeverEndsIt() throws Exception {
    fake.errorEventAfterDeltas = 2;
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx())));
    assertEquals("You said:", d.text(), "what came before the error is delivered");
    assertEquals(ErrorCode.UNAVAILABLE, d.meshFailure().errorCode());
    assertNull(d.trailer());
  }

  @Test
  void errorEventBeforeContentFailsWithNothingDelivered() throws Exception {
    fake.errorEventAfterDeltas = 0;
    fake.errorEventType = "api_error";
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx())));
    assertTrue(d.chunks().isEmpty(), "no role-only chunk: the router can still fall back");
    assertEquals(ErrorCode.UPSTREAM, d.meshFailure().errorCode());
  }

  @Test
  void cutStreamFailsThePipe() throws Exception {
    fake.cutAfterDeltas = 3;
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx())));
    assertEquals("You said: First", d.text());
    MeshException e = d.meshFailure();
    assertTrue(e.errorCode().upstreamFault(), e.toString());
    assertNull(d.trailer());
  }

  @Test
  void slowFirstByteTimesOutAndResetsUpstream() throws Exception {
    AnthropicBackend impatient = backend(new JsonObject().put("timeouts", new JsonObject().put("first_byte_ms", 200)));
    fake.delayHeadersMs = 10_000;
    Drain.Drained d = await(Drain.stream(vertx, () -> impatient.chatStream(request(true, new JsonObject()), ctx())));
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    Await.until("the fake sees the connection closed", () -> fake.closedEarly.get() == 1);
    await(impatient.stop());
  }

  @Test
  void slowWholeAnswerHitsTheDeadline() throws Exception {
    fake.delayHeadersMs = 10_000;
    CallContext shortDeadline = new CallContext("r", null, System.currentTimeMillis() + 1000);
    MeshException e = failure(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject()), shortDeadline)));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    Await.until("the fake sees the connection closed", () -> fake.closedEarly.get() == 1);
  }

  @Test
  void stallMidStreamTimesOutAfterContent() throws Exception {
    AnthropicBackend impatient = backend(new JsonObject().put("timeouts", new JsonObject().put("idle_ms", 1000)));
    fake.stallAfterDeltas = 2;
    Drain.Drained d = await(Drain.stream(vertx, () -> impatient.chatStream(request(true, new JsonObject()), ctx())));
    assertEquals("You said:", d.text());
    assertEquals(ErrorCode.TIMEOUT, d.meshFailure().errorCode());
    await(impatient.stop());
  }

  @Test
  void connectionRefusedIsUnavailable() throws Exception {
    AnthropicBackend nowhere = backend(new JsonObject().put("base_url", "http://127.0.0.1:1"));
    MeshException e = failure(Drain.onContext(vertx, () -> nowhere.chat(request(false, new JsonObject()), ctx())));
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    Drain.Drained d = await(Drain.stream(vertx, () -> nowhere.chatStream(request(true, new JsonObject()), ctx())));
    assertEquals(ErrorCode.UNAVAILABLE, d.meshFailure().errorCode());
    await(nowhere.stop());
  }
}
