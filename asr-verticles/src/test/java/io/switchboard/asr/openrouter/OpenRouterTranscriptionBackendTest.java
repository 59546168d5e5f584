package io.switchboard.asr.openrouter;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.UpstreamFailure;
import io.vertx.core.MultiMap;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.TranscriptionBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code openrouter-transcription} against a fake of OpenRouter's {@code POST /api/v1/chat/completions}.
 * Documented behaviours covered (OpenRouter docs: Multimodal > Audio, API reference > Errors):
 * <ul>
 *   <li>audio goes as base64 (no URLs) in a user message part {@code {"type":"input_audio","input_audio":{"data","format"}}}
 *       beside a text part; the fake decodes the base64 and compares it byte for byte;</li>
 *   <li>Bearer key, optional {@code HTTP-Referer} and {@code X-Title} attribution headers;</li>
 *   <li>the answer is {@code choices[0].message.content} (a string, or an array of text parts), with {@code usage}
 *       token counts and {@code cost};</li>
 *   <li>errors as {@code {"error":{"code","message","metadata"}}} with the HTTP status equal to {@code code}:
 *       400, 401, 402 (credits), 403 (moderation), 404, 408, 429 with Retry-After, 502, 503;</li>
 *   <li>an error met after the model started comes as a 200 with an {@code error} body, or a choice with
 *       {@code finish_reason: "error"};</li>
 *   <li>a model that never answers hits the first-byte timeout.</li>
 * </ul>
 */
class OpenRouterTranscriptionBackendTest {

  static final String KEY = "sk-or-v1-0123456789abcdefSECRET";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static final FakeTranscriptionApi fake = vx.forClass(FakeTranscriptionApi.start(vertx), FakeTranscriptionApi::forget);
  TranscriptionBackend backend = create(new JsonObject(), Map.of("OPENROUTER_API_KEY", KEY));

  static TranscriptionBackend create(JsonObject overrides, Map<String, String> env) {
    JsonObject conf = new JsonObject().put("id", "openrouter-transcribe").put("type", "openrouter-transcription")
      .put("base_url", fake.url("/api/v1")).put("models", new JsonArray().add("google/gemini-2.5-flash"))
      .put("aliases", new JsonObject().put("light", "google/gemini-2.5-flash"))
      .put("http_referer", "https://switchboard.example").put("x_title", "Switchboard")
      .put("timeouts", new JsonObject().put("first_byte_ms", 5000))
      .mergeIn(overrides);
    return vx.backend(new OpenRouterTranscriptionProvider(), conf, env);
  }

  static TranscriptionRequest request(String filename) {
    return new TranscriptionRequest("light", "de", "Switchboard", 0.0, "json", filename, null, null);
  }

  static CallContext ctx() {
    return new CallContext("req-or", null, System.currentTimeMillis() + 20_000);
  }

  static JsonObject completion(Object content) {
    return new JsonObject().put("id", "gen-123").put("provider", "Google").put("model", "google/gemini-2.5-flash")
      .put("object", "chat.completion")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
        .put("message", new JsonObject().put("role", "assistant").put("content", content))))
      .put("usage", new JsonObject().put("prompt_tokens", 210).put("completion_tokens", 5).put("total_tokens", 215).put("cost", 0.000123));
  }

  @Test
  void sendsBase64AudioInAChatMessageAndReadsTheAnswer() {
    fake.reply(ctx -> ctx.json(completion("Hallo Mesh.\n")));
    Buffer audio = TestAudio.wav(1.5, 16000);

    JsonObject out = await(backend.transcribe(request("a.wav"), audio, ctx()));

    FakeTranscriptionApi.Upload s = fake.next();
    assertEquals("Bearer " + KEY, s.headers().get("authorization"));
    assertEquals("https://switchboard.example", s.headers().get("http-referer"));
    assertEquals("Switchboard", s.headers().get("x-title"));
    assertEquals("google/gemini-2.5-flash", s.json().getString("model"));
    assertEquals(0.0, s.json().getDouble("temperature"));
    JsonObject message = s.json().getJsonArray("messages").getJsonObject(0);
    assertEquals("user", message.getString("role"));
    JsonArray content = message.getJsonArray("content");
    assertEquals("text", content.getJsonObject(0).getString("type"));
    assertTrue(content.getJsonObject(0).getString("text").startsWith("Transcribe this audio verbatim"));
    assertTrue(content.getJsonObject(0).getString("text").contains("'de'"), "the language hint is in the instruction");
    assertEquals("input_audio", content.getJsonObject(1).getString("type"));
    JsonObject input = content.getJsonObject(1).getJsonObject("input_audio");
    assertEquals("wav", input.getString("format"));
    assertArrayEquals(audio.getBytes(), Base64.getDecoder().decode(input.getString("data")));

    assertEquals("Hallo Mesh.", out.getString("text"));
    assertEquals("de", out.getString("language"));
    assertEquals(1.5, out.getDouble("duration"), 1e-9);
    assertTrue(out.getJsonArray("segments").isEmpty());
    assertEquals(215, out.getJsonObject("usage").getInteger("total_tokens"));
    assertEquals(0.000123, out.getJsonObject("usage").getDouble("cost"));
  }

  @Test
  void mp3GoesAsMp3AndPartsAreJoined() {
    fake.reply(ctx -> ctx.json(completion(new JsonArray().add(new JsonObject().put("type", "text").put("text", "Hello "))
      .add(new JsonObject().put("type", "text").put("text", "there")))));
    JsonObject out = await(backend.transcribe(request("clip"), TestAudio.mp3(), ctx()));
    assertEquals("mp3", fake.next().json().getJsonArray("messages").getJsonObject(0).getJsonArray("content")
      .getJsonObject(1).getJsonObject("input_audio").getString("format"));
    assertEquals("Hello there", out.getString("text"));
  }

  @Test
  void formatOutsideTheConfiguredListIsRefusedLocally() {
    Buffer ogg = Buffer.buffer("OggS").appendBytes(new byte[100]);
    MeshException e = failure(backend.transcribe(request("a.ogg"), ogg, ctx()));
    assertEquals(ErrorCode.UNSUPPORTED_MEDIA, e.errorCode());
    assertTrue(fake.sawNothing());
  }

  static Stream<Arguments> upstreamErrors() {
    return Stream.of(
      Arguments.of(400, Map.of(), error(400, "Invalid input_audio format"), ErrorCode.INVALID_REQUEST, "Invalid input_audio", 0L),
      Arguments.of(401, Map.of(), error(401, "No auth credentials found"), ErrorCode.UPSTREAM, "rejected the credentials", 0L),
      Arguments.of(402, Map.of(), error(402, "Insufficient credits. Add more using https://openrouter.ai/credits"), ErrorCode.UPSTREAM, "no credit left", 0L),
      Arguments.of(403, Map.of(), new JsonObject().put("error", new JsonObject().put("code", 403).put("message", "Input was flagged")
        .put("metadata", new JsonObject().put("reasons", new JsonArray().add("harassment")))).encode(), ErrorCode.UPSTREAM, "flagged", 0L),
      Arguments.of(404, Map.of(), error(404, "No endpoints found that support input audio"), ErrorCode.MODEL_NOT_FOUND, "input audio", 0L),
      Arguments.of(408, Map.of(), error(408, "Request timed out"), ErrorCode.TIMEOUT, "timed out", 0L),
      Arguments.of(429, Map.of("retry-after", "4"), error(429, "Rate limit exceeded: free-models-per-min"), ErrorCode.RATE_LIMITED, "Rate limit", 4000L),
      Arguments.of(502, Map.of(), error(502, "Provider returned error"), ErrorCode.UPSTREAM, "Provider returned error", 0L),
      Arguments.of(503, Map.of(), error(503, "No available model provider that meets your routing requirements"), ErrorCode.UPSTREAM, "No available", 0L));
  }

  static String error(int code, String message) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)).encode();
  }

  @ParameterizedTest(name = "{0} {4}")
  @MethodSource("upstreamErrors")
  void upstreamErrorsMapToTheMeshTaxonomy(int status, Map<String, String> headers, String body, ErrorCode code, String fragment, long retry) {
    fake.error(status, MultiMap.caseInsensitiveMultiMap().addAll(headers), body);
    UpstreamFailure.assertMapped(failure(backend.transcribe(request("a.wav"), TestAudio.wav(0.2, 8000), ctx())), code, fragment, retry, KEY);
  }

  @Test
  void errorInsideA200IsStillAFailure() {
    fake.reply(ctx -> ctx.json(new JsonObject().put("error", new JsonObject().put("code", 502).put("message", "Provider returned error for " + KEY))));
    MeshException e = failure(backend.transcribe(request("a.wav"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertFalse(e.getMessage().contains(KEY), e.getMessage());

    fake.reply(ctx -> ctx.json(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
      .put("finish_reason", "error").put("error", new JsonObject().put("code", 500).put("message", "model crashed"))
      .put("message", new JsonObject().put("role", "assistant").put("content", "Hal"))))));
    e = failure(backend.transcribe(request("a.wav"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertTrue(e.getMessage().contains("model crashed"), e.getMessage());
  }

  @Test
  void modelThatNeverAnswersTimesOut() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("first_byte_ms", 300)), Map.of("OPENROUTER_API_KEY", KEY));
    fake.reply(ctx -> { });
    MeshException e = failure(backend.transcribe(request("a.wav"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
  }

  @Test
  void providerNeedsTheKey() {
    var e = assertThrows(BackendUnavailableException.class, () -> create(new JsonObject(), Map.of()));
    assertEquals("OPENROUTER_API_KEY not set", e.getMessage());
  }
}
