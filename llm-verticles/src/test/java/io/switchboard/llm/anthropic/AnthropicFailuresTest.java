package io.switchboard.llm.anthropic;

/*
 * Documented Anthropic failures this test covers (docs.anthropic.com: Errors, Streaming Messages), against
 * FakeAnthropic: the error shape {"type":"error","error":{"type","message"}} with 400 invalid_request_error (incl.
 * "prompt is too long"), 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
 * 413 request_too_large (also as Cloudflare's HTML page), 429 rate_limit_error with retry-after, 500 api_error,
 * 529 overloaded_error, for whole answers and for streams before their first event; an `error` event after a 200
 * (before and after content); and the network: a slow first byte, a slow whole answer past the deadline, a stall
 * mid-stream, a connection cut before message_stop, connection refused. The key never appears in any error.
 * The mapping itself is tabled beside the kit's UpstreamErrors; here it is shown end to end through the adapter.
 */

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.anthropic.AnthropicFixture.ctx;
import static io.switchboard.llm.anthropic.AnthropicFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicFailuresTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final FakeAnthropic fake = AnthropicFixture.fake(vx);
  private final ChatFixture<AnthropicBackend> kit = AnthropicFixture.backends(vx, fake);
  private final AnthropicBackend backend = kit.backend(new JsonObject());

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
                                           long retryMs, String mentions) {
    for (boolean stream : new boolean[] {false, true}) {
      fake.failNext = new FakeAnthropic.Failure(status, type, message, retryAfter, null);
      MeshException e = stream
        ? kit.stream(backend, request(true), ctx()).meshFailure()
        : kit.chatFails(backend, request(false), ctx());
      assertEquals(code, e.errorCode(), e.getMessage());
      assertEquals(retryMs, e.retryAfterMs());
      assertTrue(e.getMessage().contains(mentions), e.getMessage());
      assertTrue(e.getMessage().startsWith("claude: "), e.getMessage());
    }
  }

  @Test
  void cloudflare413PageWithoutJsonStillMaps() {
    fake.failNext = new FakeAnthropic.Failure(413, null, null, null, "<html><body>413 Request Entity Too Large</body></html>");
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, kit.chatFails(backend, request(false), ctx()).errorCode());
  }

  @Test
  void realRejectionsOfTheFakeMapToo() {
    MeshException unknownModel = kit.chatFails(backend, request(false).withModel("claude-9"), ctx());
    assertEquals(ErrorCode.MODEL_NOT_FOUND, unknownModel.errorCode());

    AnthropicBackend wrongKey = kit.backend(new JsonObject(), "sk-ant-api03-WRONG-KEY-000000000");
    MeshException rejected = kit.chatFails(wrongKey, request(false), ctx());
    assertEquals(ErrorCode.UPSTREAM, rejected.errorCode());
    assertTrue(rejected.getMessage().contains("rejected the credentials"), rejected.getMessage());
  }

  @Test
  void theKeyNeverAppearsInAnError() {
    fake.failNext = new FakeAnthropic.Failure(400, "invalid_request_error", "bad header x-api-key: " + FakeAnthropic.KEY, null, null);
    MeshException e = kit.chatFails(backend, request(false), ctx());
    assertFalse(e.getMessage().contains(FakeAnthropic.KEY), e.getMessage());
    assertFalse(e.getMessage().contains(FakeAnthropic.KEY.substring(0, 8)), e.getMessage());
    assertTrue(e.getMessage().contains("***"));
    assertFalse(backend.descriptor().toJson().encode().contains(FakeAnthropic.KEY));
  }

  /**
   * How a stream goes wrong after the 200, or a call before it: what the fake does, the adapter's conf, what reached
   * the caller before the failure, and the failure's class. Never a clean end.
   */
  record Broken(String name, Consumer<FakeAnthropic> script, JsonObject conf, String delivered, ErrorCode code) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> brokenStreams() {
    return Stream.of(
      new Broken("error event after content", f -> f.errorEventAfterDeltas = 2, new JsonObject(), "You said:", ErrorCode.UNAVAILABLE),
      new Broken("error event before content", f -> {
        f.errorEventAfterDeltas = 0;
        f.errorEventType = "api_error";
      }, new JsonObject(), "", ErrorCode.UPSTREAM),
      new Broken("connection cut before message_stop", f -> f.cutAfterDeltas = 3, new JsonObject(), "You said: First", ErrorCode.UPSTREAM),
      new Broken("stall mid-stream", f -> f.stallAfterDeltas = 2, timeouts("idle_ms", 1000), "You said:", ErrorCode.TIMEOUT),
      new Broken("slow first byte", f -> f.delayHeadersMs = 10_000, timeouts("first_byte_ms", 200), "", ErrorCode.TIMEOUT),
      new Broken("connection refused", f -> { }, new JsonObject().put("base_url", "http://127.0.0.1:1"), "", ErrorCode.UNAVAILABLE)
    ).map(Arguments::of);
  }

  private static JsonObject timeouts(String key, long ms) {
    return new JsonObject().put("timeouts", new JsonObject().put(key, ms));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenStreams")
  void aBrokenStreamFailsThePipeAfterWhatItDelivered(Broken b) {
    b.script().accept(fake);
    Drain.Drained d = kit.stream(kit.backend(b.conf()), request(true), ctx());
    assertEquals(b.delivered(), d.text(), "what came before the failure is delivered");
    if (b.delivered().isEmpty()) {
      assertTrue(d.chunks().isEmpty(), "no role-only chunk: the router can still fall back");
    }
    assertEquals(b.code(), d.meshFailure().errorCode(), d.meshFailure().getMessage());
    assertNull(d.trailer());
  }

  @Test
  void aTimeoutResetsTheUpstreamRequest() {
    fake.delayHeadersMs = 10_000;
    assertEquals(ErrorCode.TIMEOUT, kit.stream(kit.backend(timeouts("first_byte_ms", 200)), request(true), ctx()).meshFailure().errorCode());
    await(fake.once(() -> fake.closedEarly.get() == 1));
  }

  @Test
  void slowWholeAnswerHitsTheDeadlineAndResetsTheUpstream() {
    fake.delayHeadersMs = 10_000;
    assertEquals(ErrorCode.TIMEOUT, kit.chatFails(backend, request(false), ctx(1000)).errorCode());
    await(fake.once(() -> fake.closedEarly.get() == 1));
  }

  @Test
  void connectionRefusedIsUnavailableForWholeAnswersToo() {
    AnthropicBackend nowhere = kit.backend(new JsonObject().put("base_url", "http://127.0.0.1:1"));
    assertEquals(ErrorCode.UNAVAILABLE, kit.chatFails(nowhere, request(false), ctx()).errorCode());
  }
}
