package io.switchboard.core.http;

import io.netty.channel.ConnectTimeoutException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonArray;
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

import static io.switchboard.core.http.ErrorDialect.ANTHROPIC;
import static io.switchboard.core.http.ErrorDialect.ELEVENLABS;
import static io.switchboard.core.http.ErrorDialect.OPENAI;
import static io.switchboard.core.http.ErrorDialect.RUNPOD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error tables of the upstream kit: every status and body shape of every protocol the adapters speak, to the mesh
 * error class, whether the router may try another backend (retryable), the Retry-After it carries and the message.
 * Bodies are the ones each provider documents (OpenAI's error-codes guide, Anthropic's Errors page, ElevenLabs' API
 * reference, RunPod's observed {@code {"error":"..."}}) plus what proxies put in front of them.
 */
class UpstreamErrorsTest {

  private static final String KEY = "sk-live-abcdefgh12345678ijklmnop";
  /** 2023-11-14T22:13:20Z. */
  private static final long NOW = 1_700_000_000_000L;

  private static String openAi(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", param)
      .put("code", code)).encode();
  }

  private static String anthropic(String type, String message) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type).put("message", message))
      .put("request_id", "req_011").encode();
  }

  private static String elevenLabs(String status, String message) {
    return new JsonObject().put("detail", new JsonObject().put("status", status).put("message", message)).encode();
  }

  private static String runPod(String message) {
    return new JsonObject().put("error", message).encode();
  }

  /** dialect, status, Retry-After, body, class, retryable, wait (ms), message. */
  static Stream<Arguments> statuses() {
    String plain = openAi("bad thing", "invalid_request_error", "p", null);
    String validation = new JsonObject().put("detail", new JsonArray().add(new JsonObject()
      .put("loc", new JsonArray().add("body").add("text")).put("msg", "field required").put("type", "value_error.missing"))).encode();
    return Stream.of(
      // OpenAI and the servers that copy it
      row(OPENAI, 400, null, plain, ErrorCode.INVALID_REQUEST, false, 0, "x: bad thing"),
      row(OPENAI, 400, null, "", ErrorCode.INVALID_REQUEST, false, 0, "x: upstream rejected the request (400)"),
      row(OPENAI, 422, null, "{\"object\":\"error\",\"message\":\"field required\",\"type\":\"BadRequestError\",\"code\":422}",
        ErrorCode.INVALID_REQUEST, false, 0, "x: field required"),
      row(OPENAI, 400, null, openAi("too long", "invalid_request_error", "messages", "context_length_exceeded"),
        ErrorCode.CONTEXT_TOO_LONG, false, 0, "x: too long"),
      row(OPENAI, 400, null, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\"}",
        ErrorCode.CONTEXT_TOO_LONG, false, 0, "x: This model's maximum context length is 4096 tokens."),
      row(OPENAI, 400, null, openAi("the request exceeds the available context size", "exceed_context_size_error", null, null),
        ErrorCode.CONTEXT_TOO_LONG, false, 0, "x: the request exceeds the available context size"),
      row(OPENAI, 401, null, openAi("Incorrect API key provided: sk-live-a****mnop", "invalid_request_error", null, "invalid_api_key"),
        ErrorCode.UPSTREAM, true, 0, "x: upstream rejected the credentials (401)"),
      row(OPENAI, 403, null, openAi("Country, region, or territory not supported", "request_forbidden", null, "unsupported_country_region_territory"),
        ErrorCode.UPSTREAM, true, 0, "x: upstream refused access (403): Country, region, or territory not supported"),
      row(OPENAI, 402, null, "{\"error\":{\"message\":\"Insufficient credits\",\"code\":402}}", ErrorCode.UPSTREAM, true, 0,
        "x: upstream account has no credit left (402): Insufficient credits"),
      row(OPENAI, 404, null, plain, ErrorCode.MODEL_NOT_FOUND, false, 0, "x: model not found upstream (404): bad thing"),
      row(OPENAI, 404, null, "{\"detail\":\"Not Found\"}", ErrorCode.MODEL_NOT_FOUND, false, 0, "x: model not found upstream (404): Not Found"),
      row(OPENAI, 408, null, "", ErrorCode.TIMEOUT, true, 0, "x: upstream timed out (408)"),
      row(OPENAI, 413, null, openAi("Maximum content size limit (26214400) exceeded", "server_error", null, null),
        ErrorCode.PAYLOAD_TOO_LARGE, false, 0, "x: request too large for the upstream (413): Maximum content size limit (26214400) exceeded"),
      row(OPENAI, 415, null, openAi("Unsupported media type", "invalid_request_error", null, null), ErrorCode.UNSUPPORTED_MEDIA, false, 0,
        "x: upstream cannot read this media type (415): Unsupported media type"),
      row(OPENAI, 429, "7", openAi("Rate limit reached", "requests", null, "rate_limit_exceeded"), ErrorCode.RATE_LIMITED, true, 7000,
        "x: rate limited by the upstream: Rate limit reached"),
      row(OPENAI, 429, null, openAi("Rate limit reached", "requests", null, "rate_limit_exceeded"), ErrorCode.RATE_LIMITED, true, 1000,
        "x: rate limited by the upstream: Rate limit reached"),
      row(OPENAI, 429, null, openAi("You exceeded your current quota", "insufficient_quota", null, "insufficient_quota"),
        ErrorCode.UPSTREAM, true, 0, "x: upstream quota exhausted (429): You exceeded your current quota"),
      row(OPENAI, 500, null, plain, ErrorCode.UPSTREAM, true, 0, "x: upstream error 500: bad thing"),
      row(OPENAI, 503, "30", "", ErrorCode.UPSTREAM, true, 30_000, "x: upstream error 503"),
      row(OPENAI, 504, null, "upstream request timeout", ErrorCode.UPSTREAM, true, 0, "x: upstream error 504: upstream request timeout"),
      row(OPENAI, 502, null, "<html><body>Bad gateway</body></html>", ErrorCode.UPSTREAM, true, 0, "x: upstream error 502: non-JSON error body (HTML)"),
      row(OPENAI, 418, null, "{\"error\":\"I'm a teapot\"}", ErrorCode.UPSTREAM, true, 0, "x: unexpected upstream status 418: I'm a teapot"),
      // Gemini's OpenAI endpoint wraps its error in an array.
      row(OPENAI, 400, null, "[{\"error\":{\"code\":400,\"message\":\"API key not valid\",\"status\":\"INVALID_ARGUMENT\"}}]",
        ErrorCode.INVALID_REQUEST, false, 0, "x: API key not valid"),
      // Anthropic
      row(ANTHROPIC, 400, null, anthropic("invalid_request_error", "messages: text content blocks must be non-empty"),
        ErrorCode.INVALID_REQUEST, false, 0, "x: messages: text content blocks must be non-empty"),
      row(ANTHROPIC, 400, null, anthropic("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
        ErrorCode.CONTEXT_TOO_LONG, false, 0, "x: prompt is too long: 210000 tokens > 200000 maximum"),
      row(ANTHROPIC, 401, null, anthropic("authentication_error", "invalid x-api-key"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream rejected the credentials (401)"),
      row(ANTHROPIC, 402, null, anthropic("billing_error", "Your credit balance is too low"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream account has no credit left (402): Your credit balance is too low"),
      row(ANTHROPIC, 403, null, anthropic("permission_error", "Your API key does not have permission"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream refused access (403): Your API key does not have permission"),
      row(ANTHROPIC, 404, null, anthropic("not_found_error", "model: claude-9"), ErrorCode.MODEL_NOT_FOUND, false, 0,
        "x: model not found upstream (404): model: claude-9"),
      row(ANTHROPIC, 413, null, "<html><body>413 Request Entity Too Large</body></html>", ErrorCode.PAYLOAD_TOO_LARGE, false, 0,
        "x: request too large for the upstream (413): non-JSON error body (HTML)"),
      row(ANTHROPIC, 429, "7", anthropic("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
        ErrorCode.RATE_LIMITED, true, 7000, "x: rate limited by the upstream: Number of request tokens has exceeded your per-minute rate limit"),
      row(ANTHROPIC, 500, null, anthropic("api_error", "Internal server error"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream error 500: Internal server error"),
      row(ANTHROPIC, 504, null, anthropic("timeout_error", "Request timed out"), ErrorCode.TIMEOUT, true, 0,
        "x: upstream timed out (504): Request timed out"),
      row(ANTHROPIC, 529, "2", anthropic("overloaded_error", "Overloaded"), ErrorCode.UNAVAILABLE, true, 2000,
        "x: upstream overloaded (529): Overloaded"),
      // ElevenLabs
      row(ELEVENLABS, 400, null, elevenLabs("max_character_limit_exceeded", "The text exceeds the character limit of 333"),
        ErrorCode.INVALID_REQUEST, false, 0, "x: The text exceeds the character limit of 333"),
      row(ELEVENLABS, 401, null, elevenLabs("invalid_api_key", "Invalid API key"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream rejected the credentials (401)"),
      row(ELEVENLABS, 401, null, elevenLabs("quota_exceeded", "This request exceeds your quota of 10000"), ErrorCode.UPSTREAM, true, 0,
        "x: upstream quota exhausted (401): This request exceeds your quota of 10000"),
      row(ELEVENLABS, 404, null, elevenLabs("voice_not_found", "A voice with the voice_id JBF was not found."),
        ErrorCode.MODEL_NOT_FOUND, false, 0, "x: model not found upstream (404): A voice with the voice_id JBF was not found."),
      row(ELEVENLABS, 422, null, validation, ErrorCode.INVALID_REQUEST, false, 0, "x: field required (body.text)"),
      row(ELEVENLABS, 429, "2", elevenLabs("too_many_concurrent_requests", "Too many concurrent requests"), ErrorCode.RATE_LIMITED, true, 2000,
        "x: rate limited by the upstream: Too many concurrent requests"),
      row(ELEVENLABS, 429, null, elevenLabs("system_busy", "Our services are experiencing high levels of traffic"),
        ErrorCode.RATE_LIMITED, true, 1000, "x: rate limited by the upstream: Our services are experiencing high levels of traffic"),
      row(ELEVENLABS, 503, null, "Service Unavailable", ErrorCode.UPSTREAM, true, 0, "x: upstream error 503: Service Unavailable"),
      // RunPod
      row(RUNPOD, 400, null, runPod("input: prompt must be a string"), ErrorCode.INVALID_REQUEST, false, 0, "x: input: prompt must be a string"),
      row(RUNPOD, 401, null, "Unauthorized", ErrorCode.UPSTREAM, true, 0, "x: upstream rejected the credentials (401)"),
      row(RUNPOD, 413, null, runPod("payload too large"), ErrorCode.PAYLOAD_TOO_LARGE, false, 0,
        "x: request too large for the upstream (413): payload too large"),
      row(RUNPOD, 429, "Tue, 14 Nov 2023 22:13:40 GMT", runPod("rate limit exceeded"), ErrorCode.RATE_LIMITED, true, 20_000,
        "x: rate limited by the upstream: rate limit exceeded"),
      row(RUNPOD, 500, null, runPod("internal error"), ErrorCode.UPSTREAM, true, 0, "x: upstream error 500: internal error"),
      row(RUNPOD, 503, null, "no healthy upstream\nmore", ErrorCode.UPSTREAM, true, 0, "x: upstream error 503: no healthy upstream"));
  }

  private static Arguments row(ErrorDialect d, int status, String retryAfter, String body, ErrorCode code, boolean retryable,
                               long waitMs, String message) {
    return Arguments.of(d, status, retryAfter, body, code, retryable, waitMs, message);
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {4}")
  @MethodSource("statuses")
  void statusTable(ErrorDialect dialect, int status, String retryAfter, String body, ErrorCode code, boolean retryable,
                   long waitMs, String message) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (retryAfter != null) {
      headers.add("Retry-After", retryAfter);
    }
    MeshException e = UpstreamErrors.fromStatus(dialect, "x", status, headers, Buffer.buffer(body), KEY, NOW);
    assertEquals(code, e.errorCode(), e.getMessage());
    assertEquals(retryable, e.errorCode().upstreamFault(), "retryable");
    assertEquals(waitMs, e.retryAfterMs(), "Retry-After");
    assertEquals(message, e.getMessage());
  }

  @Test
  void paramComesFromTheBody() {
    MeshException e = UpstreamErrors.fromStatus(OPENAI, "x", 400, null,
      Buffer.buffer(openAi("bad", "invalid_request_error", "messages[0].content", null)), KEY);
    assertEquals("messages[0].content", e.param());
    assertNull(UpstreamErrors.fromStatus(OPENAI, "x", 400, null, Buffer.buffer("oops"), KEY).param());
    assertEquals("messages", UpstreamErrors.fromStatus(ANTHROPIC, "x", 400, null,
      Buffer.buffer(anthropic("invalid_request_error", "prompt is too long")), KEY).param());
    assertEquals("model", UpstreamErrors.fromStatus(RUNPOD, "x", 404, null, Buffer.buffer(), KEY).param());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialects")
  void upstreamTextIsRedactedWithTheKeyInEveryDialect(ErrorDialect dialect) {
    String body = switch (dialect) {
      case OPENAI -> openAi("bad key " + KEY + " and " + KEY.substring(0, 10) + "...", null, null, null);
      case ANTHROPIC -> anthropic("invalid_request_error", "bad key " + KEY + " and " + KEY.substring(0, 10) + "...");
      case ELEVENLABS -> elevenLabs("invalid", "bad key " + KEY + " and " + KEY.substring(0, 10) + "...");
      case RUNPOD -> runPod("bad key " + KEY + " and " + KEY.substring(0, 10) + "...");
    };
    MeshException e = UpstreamErrors.fromStatus(dialect, "x", 400, null, Buffer.buffer(body), KEY);
    assertTrue(e.getMessage().startsWith("x: bad key *** and ***ab..."), e.getMessage());
    assertFalse(e.getMessage().contains(KEY.substring(0, 8)), e.getMessage());
  }

  static Stream<ErrorDialect> dialects() {
    return Stream.of(ErrorDialect.values());
  }

  @Test
  void longUpstreamTextIsClipped() {
    MeshException e = UpstreamErrors.fromStatus(OPENAI, "x", 400, null, Buffer.buffer(openAi("y".repeat(5000), null, null, null)), KEY);
    assertEquals("x: ".length() + 500 + "...".length(), e.getMessage().length());
    MeshException text = UpstreamErrors.fromStatus(RUNPOD, "x", 500, null, Buffer.buffer("z".repeat(5000)), KEY);
    assertEquals("x: upstream error 500: ".length() + 500 + "...".length(), text.getMessage().length());
  }

  /** Retry-After, retry-after-ms -> what the parser reads, and the wait a 429 carries (the rate-limit default when 0). */
  static Stream<Arguments> retryAfter() {
    return Stream.of(
      Arguments.of(null, null, 0L, 1000L),
      Arguments.of("5", null, 5000L, 5000L),
      Arguments.of("0.5", null, 500L, 500L),
      Arguments.of("0.0001", null, 1L, 1L),
      Arguments.of("0", null, 0L, 1000L),
      Arguments.of("-3", null, 0L, 1000L),
      Arguments.of("soon", null, 0L, 1000L),
      Arguments.of("", null, 0L, 1000L),
      Arguments.of("Tue, 14 Nov 2023 22:13:40 GMT", null, 20_000L, 20_000L),
      Arguments.of("Tue, 14 Nov 2023 22:13:00 GMT", null, 0L, 1000L),
      Arguments.of("5", "1500", 1500L, 1500L),
      Arguments.of(null, "20", 20L, 20L),
      Arguments.of("7", "later", 7000L, 7000L),
      Arguments.of("999999999", null, 24 * 3600 * 1000L, 24 * 3600 * 1000L));
  }

  @ParameterizedTest(name = "Retry-After={0} retry-after-ms={1}")
  @MethodSource("retryAfter")
  void retryAfterTable(String retryAfter, String retryAfterMs, long parsed, long carried) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (retryAfter != null) {
      headers.add("Retry-After", retryAfter);
    }
    if (retryAfterMs != null) {
      headers.add("retry-after-ms", retryAfterMs);
    }
    for (ErrorDialect d : ErrorDialect.values()) {
      assertEquals(carried, UpstreamErrors.fromStatus(d, "x", 429, headers, Buffer.buffer(), KEY, NOW).retryAfterMs(), d.name());
    }
    assertEquals(parsed, RetryAfter.ms(headers, NOW), "the parser says 0 when nothing readable was said");
  }

  @Test
  void onlyRateLimitsGetTheDefaultWait() {
    MultiMap none = MultiMap.caseInsensitiveMultiMap();
    for (int status : new int[] {500, 502, 503, 504, 529, 408}) {
      assertEquals(0, UpstreamErrors.fromStatus(ANTHROPIC, "x", status, none, Buffer.buffer(), KEY).retryAfterMs(), "status " + status);
    }
    assertEquals(0, UpstreamErrors.fromStatus(OPENAI, "x", 429, none,
      Buffer.buffer(openAi("quota", "insufficient_quota", null, "insufficient_quota")), KEY).retryAfterMs(), "a quota is no rate limit");
  }

  static Stream<Arguments> transport() {
    return Stream.of(
      Arguments.of(new ConnectException("Connection refused: /127.0.0.1:1"), ErrorCode.UNAVAILABLE, "x: connection refused"),
      Arguments.of(new UnknownHostException("api.nowhere.invalid"), ErrorCode.UNAVAILABLE, "x: unknown host api.nowhere.invalid"),
      Arguments.of(new ConnectTimeoutException("connection timed out"), ErrorCode.TIMEOUT, "x: timed out connecting to the upstream"),
      Arguments.of(new TimeoutException("pool"), ErrorCode.TIMEOUT, "x: timed out connecting to the upstream"),
      Arguments.of(new SSLHandshakeException("PKIX path building failed"), ErrorCode.UNAVAILABLE, "x: TLS handshake with the upstream failed"),
      Arguments.of(new HttpClosedException("Connection was closed"), ErrorCode.UNAVAILABLE, "x: connection closed before the response"),
      Arguments.of(new IOException("Connection reset by peer"), ErrorCode.UNAVAILABLE, "x: connection closed before the response"),
      Arguments.of(new IllegalStateException("weird"), ErrorCode.UNAVAILABLE, "x: upstream connection failed (IllegalStateException)"),
      Arguments.of(new MeshException(ErrorCode.CANCELLED, "x: cancelled"), ErrorCode.CANCELLED, "x: cancelled"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transport")
  void transportTable(Throwable t, ErrorCode code, String message) {
    MeshException e = UpstreamErrors.fromTransport("x", t);
    assertEquals(code, e.errorCode());
    assertEquals(message, e.getMessage());
  }

  /** Errors met without an HTTP error status: a stream's error event, a 200 whose body is an error. */
  static Stream<Arguments> errorObjects() {
    return Stream.of(
      Arguments.of(OPENAI, new JsonObject().put("error", new JsonObject().put("message", "Rate limit exceeded").put("code", 429)),
        ErrorCode.RATE_LIMITED, "x: rate limited by the upstream: Rate limit exceeded"),
      Arguments.of(OPENAI, new JsonObject().put("error", new JsonObject().put("message", "overloaded")),
        ErrorCode.UPSTREAM, "x: upstream error: overloaded"),
      Arguments.of(OPENAI, new JsonObject().put("error", new JsonObject().put("message", "maximum context length is 8192 tokens")),
        ErrorCode.CONTEXT_TOO_LONG, "x: maximum context length is 8192 tokens"),
      Arguments.of(OPENAI, new JsonObject().put("error", "Input validation error: inputs tokens + max_new_tokens must be <= 4096")
        .put("error_type", "validation"), ErrorCode.UPSTREAM, "x: upstream error: Input validation error: inputs tokens + max_new_tokens must be <= 4096"),
      Arguments.of(ANTHROPIC, new JsonObject(anthropic("overloaded_error", "Overloaded")), ErrorCode.UNAVAILABLE,
        "x: upstream overloaded (529): Overloaded"),
      Arguments.of(ANTHROPIC, new JsonObject(anthropic("api_error", "Internal server error")), ErrorCode.UPSTREAM,
        "x: upstream error 500: Internal server error"),
      Arguments.of(ANTHROPIC, new JsonObject(anthropic("rate_limit_error", "slow down")), ErrorCode.RATE_LIMITED,
        "x: rate limited by the upstream: slow down"),
      Arguments.of(ANTHROPIC, new JsonObject(anthropic("something_new", "hm")), ErrorCode.UPSTREAM, "x: upstream error: hm"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("errorObjects")
  void errorObjectsInsideA200OrAStream(ErrorDialect dialect, JsonObject json, ErrorCode code, String message) {
    MeshException e = UpstreamErrors.fromErrorObject(dialect, "x", json, KEY);
    assertEquals(code, e.errorCode());
    assertEquals(message, e.getMessage());
    assertTrue(e.errorCode().upstreamFault() || code == ErrorCode.CONTEXT_TOO_LONG);
  }
}
