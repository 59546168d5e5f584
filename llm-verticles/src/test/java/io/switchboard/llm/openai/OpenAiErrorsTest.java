package io.switchboard.llm.openai;

import io.netty.channel.ConnectTimeoutException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The status, body and transport tables of {@link OpenAiErrors}. */
class OpenAiErrorsTest {

  private static final String KEY = "sk-live-abcdefgh12345678ijklmnop";
  private static final long NOW = 1_700_000_000_000L;

  private static String openAiError(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", param)
      .put("code", code)).encode();
  }

  static Stream<Arguments> statuses() {
    String plain = openAiError("bad thing", "invalid_request_error", "p", null);
    return Stream.of(
      Arguments.of(400, plain, ErrorCode.INVALID_REQUEST, "x: bad thing"),
      Arguments.of(422, "{\"object\":\"error\",\"message\":\"field required\",\"type\":\"BadRequestError\",\"code\":422}",
        ErrorCode.INVALID_REQUEST, "x: field required"),
      Arguments.of(400, openAiError("too long", "invalid_request_error", "messages", "context_length_exceeded"),
        ErrorCode.CONTEXT_TOO_LONG, "x: too long"),
      Arguments.of(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\"}",
        ErrorCode.CONTEXT_TOO_LONG, "x: This model's maximum context length is 4096 tokens."),
      Arguments.of(400, openAiError("the request exceeds the available context size", "exceed_context_size_error", null, null),
        ErrorCode.CONTEXT_TOO_LONG, "x: the request exceeds the available context size"),
      Arguments.of(401, openAiError("Incorrect API key provided: sk-live-a****mnop", "invalid_request_error", null, "invalid_api_key"),
        ErrorCode.UPSTREAM, "x: upstream rejected the credentials (401)"),
      Arguments.of(403, plain, ErrorCode.UPSTREAM, "x: upstream rejected the credentials (403)"),
      Arguments.of(402, "{\"error\":{\"message\":\"Insufficient credits\",\"code\":402}}", ErrorCode.UPSTREAM,
        "x: upstream account has no credit left (402)"),
      Arguments.of(404, plain, ErrorCode.MODEL_NOT_FOUND, "x: model not found upstream (404): bad thing"),
      Arguments.of(408, "", ErrorCode.TIMEOUT, "x: upstream timed out (408)"),
      Arguments.of(413, "", ErrorCode.PAYLOAD_TOO_LARGE, "x: request too large for the upstream (413)"),
      Arguments.of(429, openAiError("Rate limit reached", "requests", null, "rate_limit_exceeded"), ErrorCode.RATE_LIMITED,
        "x: rate limited by the upstream: Rate limit reached"),
      Arguments.of(429, openAiError("You exceeded your current quota", "insufficient_quota", null, "insufficient_quota"),
        ErrorCode.UPSTREAM, "x: upstream quota exhausted (429): You exceeded your current quota"),
      Arguments.of(500, plain, ErrorCode.UPSTREAM, "x: upstream error 500: bad thing"),
      Arguments.of(503, "", ErrorCode.UPSTREAM, "x: upstream error 503"),
      Arguments.of(504, "upstream request timeout", ErrorCode.UPSTREAM, "x: upstream error 504: upstream request timeout"),
      Arguments.of(418, "{\"error\":\"I'm a teapot\"}", ErrorCode.UPSTREAM, "x: unexpected upstream status 418: I'm a teapot"),
      // Gemini's OpenAI endpoint wraps its error in an array.
      Arguments.of(400, "[{\"error\":{\"code\":400,\"message\":\"API key not valid\",\"status\":\"INVALID_ARGUMENT\"}}]",
        ErrorCode.INVALID_REQUEST, "x: API key not valid"),
      Arguments.of(502, "<html><body>Bad gateway</body></html>", ErrorCode.UPSTREAM, "x: upstream error 502: non-JSON error body (HTML)"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("statuses")
  void statusTable(int status, String body, ErrorCode code, String message) {
    MeshException e = OpenAiErrors.fromStatus("x", status, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(body), KEY, () -> NOW);
    assertEquals(code, e.errorCode());
    assertEquals(message, e.getMessage());
  }

  @Test
  void paramComesFromTheBody() {
    MeshException e = OpenAiErrors.fromStatus("x", 400, MultiMap.caseInsensitiveMultiMap(),
      Buffer.buffer(openAiError("bad", "invalid_request_error", "messages[0].content", null)), KEY);
    assertEquals("messages[0].content", e.param());
    assertNull(OpenAiErrors.fromStatus("x", 400, null, Buffer.buffer("oops"), KEY).param());
  }

  @Test
  void upstreamTextIsRedactedWithTheKey() {
    MeshException whole = OpenAiErrors.fromStatus("x", 400, null, Buffer.buffer(openAiError("bad key " + KEY, null, null, null)), KEY);
    assertEquals("x: bad key ***", whole.getMessage());
    MeshException prefix = OpenAiErrors.fromStatus("x", 500, null, Buffer.buffer(openAiError("key " + KEY.substring(0, 10) + "...", null, null, null)), KEY);
    assertFalse(prefix.getMessage().contains(KEY.substring(0, 8)), prefix.getMessage());
  }

  @Test
  void longUpstreamTextIsClipped() {
    MeshException e = OpenAiErrors.fromStatus("x", 400, null, Buffer.buffer(openAiError("y".repeat(5000), null, null, null)), KEY);
    assertEquals("x: ".length() + 500 + "...".length(), e.getMessage().length());
  }

  static Stream<Arguments> retryAfter() {
    return Stream.of(
      Arguments.of(null, null, 1000L),
      Arguments.of("5", null, 5000L),
      Arguments.of("0.5", null, 500L),
      Arguments.of("0", null, 1000L),
      Arguments.of("-3", null, 1000L),
      Arguments.of("soon", null, 1000L),
      Arguments.of("Tue, 14 Nov 2023 22:13:40 GMT", null, 20_000L),
      Arguments.of("Tue, 14 Nov 2023 22:13:00 GMT", null, 1000L),
      Arguments.of("5", "1500", 1500L),
      Arguments.of(null, "20", 20L),
      Arguments.of("999999999", null, 24 * 3600 * 1000L));
  }

  @ParameterizedTest(name = "Retry-After={0} retry-after-ms={1}")
  @MethodSource("retryAfter")
  void retryAfterTable(String retryAfter, String retryAfterMs, long expected) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (retryAfter != null) {
      headers.add("Retry-After", retryAfter);
    }
    if (retryAfterMs != null) {
      headers.add("retry-after-ms", retryAfterMs);
    }
    // NOW is 2023-11-14T22:13:20Z.
    assertEquals(expected, OpenAiErrors.retryAfterMs(headers, () -> NOW));
    assertEquals(expected, OpenAiErrors.fromStatus("x", 429, headers, Buffer.buffer(), KEY, () -> NOW).retryAfterMs());
  }

  @Test
  void serverErrorsCarryRetryAfterOnlyWhenGiven() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Retry-After", "30");
    assertEquals(30_000, OpenAiErrors.fromStatus("x", 503, headers, Buffer.buffer(), KEY).retryAfterMs());
    assertEquals(0, OpenAiErrors.fromStatus("x", 503, MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(), KEY).retryAfterMs());
  }

  static Stream<Arguments> transport() {
    return Stream.of(
      Arguments.of(new ConnectException("Connection refused: /127.0.0.1:1"), ErrorCode.UNAVAILABLE, "x: connection refused"),
      Arguments.of(new UnknownHostException("api.nowhere.invalid"), ErrorCode.UNAVAILABLE, "x: unknown host api.nowhere.invalid"),
      Arguments.of(new ConnectTimeoutException("connection timed out"), ErrorCode.TIMEOUT, "x: timed out connecting to the upstream"),
      Arguments.of(new TimeoutException("pool"), ErrorCode.TIMEOUT, "x: timed out connecting to the upstream"),
      Arguments.of(new SSLHandshakeException("PKIX path building failed"), ErrorCode.UNAVAILABLE, "x: TLS handshake with the upstream failed"),
      Arguments.of(new HttpClosedException("Connection was closed"), ErrorCode.UNAVAILABLE,
        "x: connection closed before the response"),
      Arguments.of(new IOException("Connection reset by peer"), ErrorCode.UNAVAILABLE, "x: connection closed before the response"),
      Arguments.of(new IllegalStateException("weird"), ErrorCode.UNAVAILABLE, "x: upstream connection failed (IllegalStateException)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transport")
  void transportTable(Throwable t, ErrorCode code, String message) {
    MeshException e = OpenAiErrors.fromTransport("x", t);
    assertEquals(code, e.errorCode());
    assertEquals(message, e.getMessage());
  }

  @Test
  void errorObjectsInsideA200OrAStream() {
    JsonObject openRouter = new JsonObject().put("error", new JsonObject().put("message", "Rate limit exceeded").put("code", 429));
    assertEquals(ErrorCode.RATE_LIMITED, OpenAiErrors.fromErrorObject("x", openRouter, KEY).errorCode());
    JsonObject noCode = new JsonObject().put("error", new JsonObject().put("message", "overloaded"));
    MeshException e = OpenAiErrors.fromErrorObject("x", noCode, KEY);
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("x: upstream error: overloaded", e.getMessage());
    JsonObject tgi = new JsonObject().put("error", "Input validation error: inputs tokens + max_new_tokens must be <= 4096")
      .put("error_type", "validation");
    assertEquals("x: upstream error: Input validation error: inputs tokens + max_new_tokens must be <= 4096",
      OpenAiErrors.fromErrorObject("x", tgi, KEY).getMessage());
  }
}
