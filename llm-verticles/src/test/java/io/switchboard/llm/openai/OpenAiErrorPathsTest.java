package io.switchboard.llm.openai;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.Drain.Drained;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.switchboard.llm.openai.OpenAiTestKit.KEY;
import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.openai.OpenAiTestKit.chat;
import static io.switchboard.llm.openai.OpenAiTestKit.conf;
import static io.switchboard.llm.openai.OpenAiTestKit.ctx;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every failure class of the adapter, end to end through a real HTTP exchange with the fake: error statuses and
 * bodies, Retry-After, timeouts, refused and dropped connections. Every message is checked for the key.
 */
class OpenAiErrorPathsTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final Vertx vertx = vx.get();
  private final FakeOpenAiServer fake = OpenAiTestKit.fake(vx);
  private final OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vx, fake);
  private final List<MeshException> seen = new ArrayList<>();

  @AfterEach
  void noSecretInAnyError() {
    for (MeshException e : seen) {
      assertNoSecret(e.getMessage());
    }
  }

  private static void assertNoSecret(String text) {
    assertFalse(text.contains(KEY), "key leaked: " + text);
    assertFalse(text.contains(KEY.substring(0, 8)), "key prefix leaked: " + text);
    assertFalse(text.contains(KEY.substring(8, 20)), "part of the key leaked: " + text);
  }

  private MeshException chatFails(Behaviour b) {
    fake.enqueue(b);
    return chatFails();
  }

  private MeshException chatFails() {
    MeshException e = failure(backend.chat(chat("hi", false), ctx()));
    seen.add(e);
    return e;
  }

  @Test
  void badRequestKeepsTheUpstreamMessageAndParam() {
    MeshException e = chatFails(Behaviour.error(400, "invalid_request_error",
      "Invalid value for 'temperature': must be at most 2.", "temperature", "invalid_value"));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("openai: Invalid value for 'temperature': must be at most 2.", e.getMessage());
    assertEquals("temperature", e.param());
  }

  @Test
  void contextLengthExceededHasItsOwnClass() {
    MeshException e = chatFails(Behaviour.error(400, "invalid_request_error",
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      "messages", "context_length_exceeded"));
    assertEquals(ErrorCode.CONTEXT_TOO_LONG, e.errorCode());
    assertEquals("messages", e.param());
  }

  @Test
  void wrongKeyIsABackendFaultAndTheEchoedKeyIsNotRepeated() {
    fake.requireKey("sk-the-right-one-0000000000000000");
    MeshException e = chatFails();
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("openai: upstream rejected the credentials (401)", e.getMessage());
    // The fake did echo part of our key, as OpenAI does.
    assertEquals(1, fake.requestCount());
  }

  @Test
  void forbiddenIsABackendFaultToo() {
    MeshException e = chatFails(Behaviour.error(403, "invalid_request_error", "Project does not have access to model", null, null));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("openai: upstream refused access (403): Project does not have access to model", e.getMessage());
  }

  @Test
  void anErrorBodyEchoingTheWholeKeyIsRedacted() {
    MeshException e = chatFails(Behaviour.error(400, "invalid_request_error",
      "Malformed header: Bearer {key} is not accepted here", null, null));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains("Malformed header: Bearer ***"), e.getMessage());
  }

  @Test
  void unknownModelIsModelNotFound() {
    MeshException e = chatFails(Behaviour.error(404, "The model `gpt-9` does not exist or you do not have access to it."));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, e.errorCode());
    assertTrue(e.getMessage().contains("gpt-9"), e.getMessage());
  }

  @Test
  void tooLargeIsPayloadTooLarge() {
    MeshException e = chatFails(Behaviour.raw(413, "text/html", "<html><body>413 Request Entity Too Large</body></html>"));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
  }

  @Test
  void rateLimitCarriesRetryAfterInSeconds() {
    MeshException e = chatFails(Behaviour.error(429, "Rate limit reached for gpt-4o-mini").retryAfter("7"));
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode());
    assertEquals(7000, e.retryAfterMs());
  }

  @Test
  void rateLimitPrefersRetryAfterMs() {
    MeshException e = chatFails(Behaviour.error(429, "slow down").retryAfter("7").header("retry-after-ms", "250"));
    assertEquals(250, e.retryAfterMs());
  }

  @Test
  void rateLimitWithAnHttpDate() {
    String in30s = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
      java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30));
    MeshException e = chatFails(Behaviour.error(429, "slow down").retryAfter(in30s));
    assertTrue(e.retryAfterMs() > 20_000 && e.retryAfterMs() <= 30_000, "retry after " + e.retryAfterMs());
  }

  @Test
  void rateLimitWithoutHeaderWaitsOneSecond() {
    MeshException e = chatFails(Behaviour.error(429, "slow down"));
    assertEquals(1000, e.retryAfterMs());
  }

  @Test
  void serverErrorsAreUpstream() {
    for (int status : new int[] {500, 502, 503}) {
      MeshException e = chatFails(Behaviour.error(status, "The server had an error while processing your request."));
      assertEquals(ErrorCode.UPSTREAM, e.errorCode(), "status " + status);
      assertTrue(e.getMessage().startsWith("openai: upstream error " + status), e.getMessage());
    }
  }

  @Test
  void nonJsonErrorBodyIsHandled() {
    MeshException e = chatFails(Behaviour.raw(502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>"));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("openai: upstream error 502: non-JSON error body (HTML)", e.getMessage());
    MeshException plain = chatFails(Behaviour.raw(503, "text/plain", "no healthy upstream\n"));
    assertEquals("openai: upstream error 503: no healthy upstream", plain.getMessage());
  }

  @Test
  void aSuccessWithoutChoicesOrNotJsonIsUpstream() {
    assertEquals("openai: upstream reply has no 'choices'",
      chatFails(Behaviour.raw(200, "application/json", "{\"object\":\"chat.completion\"}")).getMessage());
    assertEquals("openai: upstream answered 200 with a body that is not a JSON object",
      chatFails(Behaviour.raw(200, "text/html", "<html>captive portal</html>")).getMessage());
  }

  @Test
  void connectionClosedBeforeTheResponseIsUnavailable() {
    MeshException e = chatFails(Behaviour.refuse());
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    assertEquals("openai: connection closed before the response", e.getMessage());
  }

  @Test
  void connectionRefusedIsUnavailable() {
    // A port below the kernel's ephemeral range (32768 and up by default) that nothing listens on. A port freed a
    // moment ago from that range is not enough: the client's own source port can be the same number, and Linux then
    // connects the socket to itself (seen once: "connection closed before the response"). Another process may still
    // take the port before the request goes out, so a few ports are tried; the first that nobody took must be refused.
    MeshException e = null;
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = 20_000 + random.nextInt(10_000);
      if (portTaken(port)) {
        continue;
      }
      OpenAiCompatibleBackend nowhere = OpenAiTestKit.backend(vertx, conf(fake).put("base_url", "http://127.0.0.1:" + port + "/v1"));
      e = failure(nowhere.chat(chat("hi", false), ctx()));
      await(nowhere.stop());
      if (!portTaken(port)) {
        break;
      }
    }
    assertNotNull(e, "five ports below the ephemeral range were all in use");
    seen.add(e);
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    assertEquals("openai: connection refused", e.getMessage());
  }

  private static boolean portTaken(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (java.io.IOException refused) {
      return false;
    }
  }

  @Test
  void slowHeadersHitTheFirstByteTimeout() {
    OpenAiCompatibleBackend impatient = OpenAiTestKit.backend(vertx,
      conf(fake).put("timeouts", new JsonObject().put("first_byte_ms", 300)));
    fake.enqueue(Behaviour.reply("late").headerDelayMs(10_000));
    MeshException e = failure(impatient.chat(chat("hi", false), ctx()));
    seen.add(e);
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertEquals("openai: no response headers within 300 ms", e.getMessage());
    await(fake.lastRequest().closedEarly());
    await(impatient.stop());
  }

  @Test
  void aStalledStreamHitsTheIdleTimeout() {
    OpenAiCompatibleBackend impatient = OpenAiTestKit.backend(vertx,
      conf(fake).put("timeouts", new JsonObject().put("idle_ms", 300)));
    fake.enqueue(Behaviour.reply("a b c").chunkDelayMs(10_000));
    Drained got = await(Drain.stream(vertx, () -> impatient.chatStream(chat("hi", true), ctx())));
    seen.add(got.meshFailure());
    assertEquals(ErrorCode.TIMEOUT, got.meshFailure().errorCode());
    assertEquals("openai: no data for 300 ms", got.meshFailure().getMessage());
    // The role-only chunk is held until content follows: a stall before content fails the stream with nothing
    // delivered, so the router can still try another backend.
    assertTrue(got.chunks().isEmpty(), "nothing reached the pipe before the stall: " + got.chunks());
    await(fake.lastRequest().closedEarly());
    await(impatient.stop());
  }

  @Test
  void theCallersDeadlineBoundsTheRequest() {
    fake.enqueue(Behaviour.hang());
    MeshException e = failure(backend.chat(chat("hi", false), new CallContext("r", null, System.currentTimeMillis() + 300)));
    seen.add(e);
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertEquals("openai: the request's deadline passed", e.getMessage());
  }

  @Test
  void waitingForAPooledConnectionIsBoundedByTheConnectTimeout() {
    OpenAiCompatibleBackend single = OpenAiTestKit.backend(vertx,
      conf(fake).put("pool_size", 1).put("timeouts", new JsonObject().put("connect_ms", 300)));
    fake.enqueue(Behaviour.hang());
    Future<JsonObject> first = single.chat(chat("first", false), ctx());
    MeshException e = failure(single.chat(chat("second", false), ctx()));
    seen.add(e);
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertEquals("openai: timed out connecting to the upstream", e.getMessage());
    assertFalse(first.isComplete());
    await(single.stop());
  }

  @Test
  void anErrorBeforeTheStreamStartsFailsThePipeWithItsClass() {
    fake.enqueue(Behaviour.error(429, "Rate limit reached").retryAfter("3"));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx())));
    seen.add(got.meshFailure());
    assertTrue(got.chunks().isEmpty());
    assertEquals(ErrorCode.RATE_LIMITED, got.meshFailure().errorCode());
    assertEquals(3000, got.meshFailure().retryAfterMs());
  }

  @Test
  void aStreamRequestAnsweredWithoutAStreamIsUpstream() {
    fake.enqueue(Behaviour.raw(200, "application/json", "{\"choices\":[]}"));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx())));
    seen.add(got.meshFailure());
    assertEquals(ErrorCode.UPSTREAM, got.meshFailure().errorCode());
    assertEquals("openai: asked for a stream, upstream replied application/json", got.meshFailure().getMessage());
  }

  @Test
  void embeddingErrorsMapTheSameWay() {
    fake.enqueue(Behaviour.error(400, "invalid_request_error", "This model does not support specifying dimensions.", "dimensions", null));
    MeshException e = failure(backend.embed(OpenAiTestKit.embedding(new JsonObject().put("dimensions", 3), "x"), ctx()));
    seen.add(e);
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("dimensions", e.param());
  }
}
