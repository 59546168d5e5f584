package io.switchboard.asr.openai;

import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.MultiMap;
import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
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

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.stream.Stream;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code openai-transcription} against a fake of OpenAI's {@code POST /v1/audio/transcriptions} that parses the
 * multipart upload with vertx-web's BodyHandler. Documented behaviours covered (OpenAI API reference, Audio >
 * Create transcription, and the error-codes guide):
 * <ul>
 *   <li>multipart/form-data with a {@code file} part carrying a file name whose extension names the format,
 *       {@code model}, {@code language}, {@code prompt}, {@code temperature}, {@code response_format};
 *       {@code timestamp_granularities[]=segment} only with {@code verbose_json};</li>
 *   <li>{@code whisper-1} answers {@code verbose_json} ({@code task, language, duration, text, segments[...]} with
 *       extra per-segment fields, {@code usage{type:duration,seconds}}); {@code gpt-4o-transcribe} models only
 *       {@code json}/{@code text}: {@code {"text", "usage"{type:tokens}}};</li>
 *   <li>Bearer authentication; the 25 MB upload limit;</li>
 *   <li>errors as {@code {"error":{message,type,param,code}}}: 400, 401 (echoing a key prefix), 403 (region),
 *       404 model_not_found, 413, 415, 429 rate_limit_exceeded with Retry-After (seconds, HTTP date) or
 *       retry-after-ms, 429 insufficient_quota, 500, 502 with an HTML body, 503 with Retry-After;</li>
 *   <li>transport: connection refused, no first byte, a body that stalls, a body cut short, the call deadline.</li>
 * </ul>
 */
class OpenAiTranscriptionBackendTest {

  static final String KEY = "sk-test-0123456789abcdefSECRETKEY";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static final FakeTranscriptionApi fake = vx.forClass(FakeTranscriptionApi.start(vertx), FakeTranscriptionApi::forget);
  TranscriptionBackend backend = create(new JsonObject(), Map.of("OPENAI_API_KEY", KEY));

  static TranscriptionBackend create(JsonObject overrides, Map<String, String> env) {
    JsonObject conf = new JsonObject()
      .put("id", "openai-transcribe").put("type", "openai-transcription")
      .put("base_url", fake.url("/v1/"))
      .put("models", new JsonArray().add("whisper-1").add("gpt-4o-transcribe").add("gpt-4o-mini-transcribe"))
      .put("aliases", new JsonObject().put("heavy", "whisper-1"))
      .put("timeouts", new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 5000).put("idle_ms", 5000))
      .mergeIn(overrides);
    return vx.backend(new OpenAiTranscriptionProvider(), conf, env);
  }

  static TranscriptionRequest request(String model) {
    return new TranscriptionRequest(model, "en", "Switchboard, Vert.x", 0.2, "json", "speech.wav", "audio/wav", null);
  }

  static CallContext ctx() {
    return new CallContext("req-1", null, System.currentTimeMillis() + 20_000);
  }

  @Test
  void whisperGetsVerboseJsonWithSegments() {
    fake.reply(ctx -> ctx.json(new JsonObject().put("task", "transcribe").put("language", "english").put("duration", 1.0)
      .put("text", " Hello mesh.").put("usage", new JsonObject().put("type", "duration").put("seconds", 1))
      .put("segments", new JsonArray()
        .add(new JsonObject().put("id", 0).put("seek", 0).put("start", 0.0).put("end", 0.5).put("text", " Hello")
          .put("tokens", new JsonArray().add(50364)).put("avg_logprob", -0.2).put("no_speech_prob", 0.01))
        .add(new JsonObject().put("id", 1).put("seek", 0).put("start", 0.5).put("end", 1.0).put("text", " mesh.")))));
    Buffer audio = TestAudio.wav(1.0, 16000);

    JsonObject out = await(backend.transcribe(request("heavy"), audio, ctx()));

    FakeTranscriptionApi.Upload u = fake.next();
    assertEquals("Bearer " + KEY, u.auth());
    assertEquals(1, u.files());
    assertEquals("file", u.field());
    assertEquals("speech.wav", u.fileName());
    assertEquals("audio/wav", u.contentType());
    assertEquals(audio, u.bytes(), "the uploaded bytes are the audio, unchanged");
    assertEquals("whisper-1", u.form().get("model"), "the alias is resolved before going upstream");
    assertEquals("verbose_json", u.form().get("response_format"));
    assertEquals("segment", u.form().get("timestamp_granularities[]"));
    assertEquals("en", u.form().get("language"));
    assertEquals("Switchboard, Vert.x", u.form().get("prompt"));
    assertEquals("0.2", u.form().get("temperature"));

    assertEquals("Hello mesh.", out.getString("text"));
    assertEquals("english", out.getString("language"));
    assertEquals(1.0, out.getDouble("duration"));
    JsonArray segments = out.getJsonArray("segments");
    assertEquals(2, segments.size());
    assertEquals(new JsonObject().put("id", 0).put("start", 0.0).put("end", 0.5).put("text", " Hello"), segments.getJsonObject(0));
    assertEquals(1, segments.getJsonObject(1).getInteger("id"));
  }

  /**
   * A long upload as the web verticle hands it on (gathered in 1 MiB blocks, a composite buffer) goes up in slices
   * and arrives byte for byte.
   */
  @Test
  void aLargeUploadInBlocksReachesTheUpstreamWhole() {
    fake.reply(ctx -> ctx.json(new JsonObject().put("text", "long")));
    Buffer audio = TestAudio.wav(150, 16000);
    await(backend.transcribe(request("whisper-1"), TestAudio.inBlocks(audio, 1 << 20), ctx()));
    FakeTranscriptionApi.Upload u = fake.next();
    assertEquals(audio.length(), u.bytes().length());
    assertEquals(audio, u.bytes());
  }

  /**
   * An upstream that refuses a large upload as soon as it sees the request, without reading the body (as a proxy
   * enforcing a size limit does): the refusal is reported with its own code, not as a broken upload.
   */
  @Test
  void aRefusalBeforeTheBodyIsReadEndsTheUpload() {
    JsonObject tooLarge = new JsonObject().put("error", new JsonObject()
      .put("message", "Maximum content size limit (26214400) exceeded").put("type", "server_error").putNull("param").putNull("code"));
    FakeUpstream early = FakeUpstream.start(vertx, router -> router.post("/v1/audio/transcriptions").handler(ctx ->
      ctx.response().setStatusCode(413).putHeader("content-type", "application/json").end(tooLarge.encode())));
    TranscriptionBackend b = create(new JsonObject().put("base_url", early.url("/v1")), Map.of("OPENAI_API_KEY", KEY));
    try {
      MeshException e = failure(b.transcribe(request("whisper-1"), TestAudio.wav(400, 16000), ctx()));
      assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
    } finally {
      await(b.stop());
      early.close();
    }
  }

  @Test
  void gpt4oTranscribeAsksJsonAndGivesNoSegments() {
    fake.reply(ctx -> ctx.json(new JsonObject().put("text", "Hello mesh.")
      .put("usage", new JsonObject().put("type", "tokens").put("input_tokens", 14).put("output_tokens", 4).put("total_tokens", 18))));
    Buffer audio = TestAudio.wav(2.0, 8000);

    JsonObject out = await(backend.transcribe(request("gpt-4o-transcribe"), audio, ctx()));

    FakeTranscriptionApi.Upload u = fake.next();
    assertEquals("json", u.form().get("response_format"));
    assertNull(u.form().get("timestamp_granularities[]"), "json does not take timestamp granularities");
    assertEquals("Hello mesh.", out.getString("text"));
    assertEquals("en", out.getString("language"), "json has no language: the requested one is reported");
    assertEquals(2.0, out.getDouble("duration"), 1e-9, "duration read from the WAV header");
    assertTrue(out.getJsonArray("segments").isEmpty());
    assertEquals(18, out.getJsonObject("usage").getInteger("total_tokens"));
  }

  @Test
  void fileNameWithoutExtensionGetsTheSniffedOne() {
    fake.reply(ctx -> ctx.json(new JsonObject().put("text", "x")));
    TranscriptionRequest r = new TranscriptionRequest("gpt-4o-mini-transcribe", null, null, null, "json", "recording", null, null);
    await(backend.transcribe(r, TestAudio.mp3(), ctx()));
    FakeTranscriptionApi.Upload u = fake.next();
    assertEquals("recording.mp3", u.fileName());
    assertEquals("audio/mpeg", u.contentType());
    assertNull(u.form().get("language"), "absent fields are not sent");
    assertNull(u.form().get("prompt"));
  }

  @Test
  void unknownModelFailsBeforeAnyUpload() {
    MeshException e = failure(backend.transcribe(request("whisper-9"), TestAudio.wav(0.1, 8000), ctx()));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, e.errorCode());
    assertEquals("model", e.param());
    assertTrue(fake.sawNothing());
  }

  @Test
  void tooLargeAudioIsRefusedLocally() {
    backend = create(new JsonObject().put("max_upload_bytes", 1000), Map.of("OPENAI_API_KEY", KEY));
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(1, 8000), ctx()));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
    assertTrue(fake.sawNothing());
  }

  static Stream<Arguments> upstreamErrors() {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(30));
    return Stream.of(
      Arguments.of(400, Map.of(), error("Invalid file format. Supported formats: ['flac', 'mp3', 'wav']", "invalid_request_error", null),
        ErrorCode.INVALID_REQUEST, "Invalid file format", 0L, 0L),
      Arguments.of(401, Map.of(), error("Incorrect API key provided: sk-test-********RETKEY.", "invalid_request_error", "invalid_api_key"),
        ErrorCode.UPSTREAM, "rejected the credentials", 0L, 0L),
      Arguments.of(403, Map.of(), error("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"),
        ErrorCode.UPSTREAM, "refused access", 0L, 0L),
      Arguments.of(404, Map.of(), error("The model `whisper-1` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
        ErrorCode.MODEL_NOT_FOUND, "does not exist", 0L, 0L),
      Arguments.of(413, Map.of(), error("Maximum content size limit (26214400) exceeded (26500000 bytes read)", "server_error", null),
        ErrorCode.PAYLOAD_TOO_LARGE, "26214400", 0L, 0L),
      Arguments.of(415, Map.of(), error("Unsupported media type", "invalid_request_error", null), ErrorCode.UNSUPPORTED_MEDIA, "Unsupported", 0L, 0L),
      Arguments.of(429, Map.of("retry-after", "7"), error("Rate limit reached for whisper-1 on requests per min (RPM): Limit 50", "requests", "rate_limit_exceeded"),
        ErrorCode.RATE_LIMITED, "Rate limit reached", 7000L, 7000L),
      Arguments.of(429, Map.of("retry-after-ms", "1500", "retry-after", "2"), error("Rate limit reached", "tokens", "rate_limit_exceeded"),
        ErrorCode.RATE_LIMITED, "Rate limit", 1500L, 1500L),
      Arguments.of(429, Map.of("retry-after", date), error("Rate limit reached", "requests", "rate_limit_exceeded"),
        ErrorCode.RATE_LIMITED, "Rate limit", 27_000L, 30_000L),
      Arguments.of(429, Map.of(), error("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"),
        ErrorCode.UPSTREAM, "quota", 0L, 0L),
      Arguments.of(500, Map.of(), error("The server had an error while processing your request. Sorry about that!", "server_error", null),
        ErrorCode.UPSTREAM, "500", 0L, 0L),
      Arguments.of(502, Map.of("content-type", "text/html"), "<html><body>502 Bad Gateway</body></html>", ErrorCode.UPSTREAM, "502: non-JSON error body (HTML)", 0L, 0L),
      Arguments.of(503, Map.of("retry-after", "2"), error("The engine is currently overloaded, please try again later.", "server_error", null),
        ErrorCode.UPSTREAM, "overloaded", 2000L, 2000L));
  }

  static String error(String message, String type, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", null).put("code", code)).encode();
  }

  @ParameterizedTest(name = "{0} {4}")
  @MethodSource("upstreamErrors")
  void upstreamErrorsMapToTheMeshTaxonomy(int status, Map<String, String> headers, String body, ErrorCode code, String fragment,
                                          long minRetry, long maxRetry) {
    fake.error(status, MultiMap.caseInsensitiveMultiMap().addAll(headers), body);
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().startsWith("openai-transcribe"), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    assertTrue(e.retryAfterMs() >= minRetry && e.retryAfterMs() <= maxRetry, "retry after " + e.retryAfterMs());
    assertKeyAbsent(e);
  }

  @Test
  void keyEchoedByUpstreamIsRedacted() {
    fake.reply(ctx -> ctx.response().setStatusCode(400).putHeader("content-type", "application/json")
      .end(error("bad header 'Bearer " + KEY + "' and prefix " + KEY.substring(0, 10), "invalid_request_error", null)));
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains("***"), e.getMessage());
    assertKeyAbsent(e);
  }

  @Test
  void noFirstByteIsATimeout() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("first_byte_ms", 300)), Map.of("OPENAI_API_KEY", KEY));
    fake.reply(ctx -> { });
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("no response headers within 300 ms"), e.getMessage());
  }

  @Test
  void bodyThatStallsIsAnIdleTimeout() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("idle_ms", 300)), Map.of("OPENAI_API_KEY", KEY));
    fake.reply(ctx -> ctx.response().setChunked(true).putHeader("content-type", "application/json").write("{\"text\": \"Hel"));
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("no data"), e.getMessage());
  }

  @Test
  void deadlineBoundsTheCall() {
    fake.reply(ctx -> { });
    CallContext soon = new CallContext("r", null, System.currentTimeMillis() + 300);
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), soon));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("deadline"), e.getMessage());
  }

  @Test
  void bodyCutShortIsAnUpstreamFailure() {
    fake.reply(ctx -> {
      ctx.response().putHeader("content-length", "200").putHeader("content-type", "application/json").write("{\"text\": \"Hel");
      ctx.vertx().setTimer(50, t -> ctx.request().connection().close());
    });
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertTrue(e.getMessage().contains("cut"), e.getMessage());
  }

  @Test
  void refusedConnectionIsUnavailable() {
    int port = FakeUpstream.closedPort(vertx);
    backend = create(new JsonObject().put("base_url", "http://127.0.0.1:" + port + "/v1"), Map.of("OPENAI_API_KEY", KEY));
    MeshException e = failure(backend.transcribe(request("whisper-1"), TestAudio.wav(0.2, 8000), ctx()));
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode());
    assertKeyAbsent(e);
  }

  @Test
  void providerNeedsTheKeyAndHonoursTheBaseUrlVariable() {
    BackendUnavailableException missing = assertThrows(BackendUnavailableException.class, () -> create(new JsonObject(), Map.of()));
    assertEquals("OPENAI_API_KEY not set", missing.getMessage());

    backend = create(new JsonObject().put("base_url", "http://127.0.0.1:1/nowhere"),
      Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", fake.url("/v1")));
    fake.reply(ctx -> ctx.json(new JsonObject().put("text", "ok")));
    assertEquals("ok", await(backend.transcribe(request("gpt-4o-mini-transcribe"), TestAudio.wav(0.1, 8000), ctx())).getString("text"));
    fake.next();
  }

  static void assertKeyAbsent(MeshException e) {
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertFalse(e.getMessage().contains(KEY.substring(0, 8)), e.getMessage());
  }
}
