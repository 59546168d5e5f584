package io.switchboard.tts.elevenlabs;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.UpstreamFailure;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.SpeechBackend;
import io.switchboard.core.testkit.speech.AudioScript;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.switchboard.core.testkit.speech.HeldAudio;
import io.switchboard.core.testkit.speech.PipeProbe;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code elevenlabs} against a fake of ElevenLabs' {@code POST /v1/text-to-speech/{voice_id}/stream}. Documented
 * behaviours covered (ElevenLabs API reference: Text to Speech > Stream speech, Authentication; help-center
 * articles on 400/401 and 429 errors):
 * <ul>
 *   <li>{@code xi-api-key} header; {@code output_format} query ({@code mp3_44100_128}, {@code mp3_22050_32},
 *       {@code pcm_8000..48000}, {@code ulaw_8000}); {@code enable_logging=false} for zero retention; body
 *       {@code text, model_id, voice_settings{..., speed}} and pass-through {@code language_code, seed, ...};</li>
 *   <li>the chunked audio body forwarded as it arrives (the first chunk before the fake sends the rest); a WAV
 *       header put before PCM for {@code wav}; the {@code character-cost} response header reported as credits;</li>
 *   <li>errors with FastAPI-style bodies: 400 {@code max_character_limit_exceeded}, 401 {@code invalid_api_key},
 *       401 {@code quota_exceeded}, 404 {@code voice_not_found}, 422 validation {@code {"detail":[{loc,msg,type}]}},
 *       429 {@code too_many_concurrent_requests} / {@code system_busy} with Retry-After, 500, 503;</li>
 *   <li>a stream cut mid-way fails the pipe; a stalled upstream times out.</li>
 * </ul>
 */
class ElevenLabsBackendTest {

  static final String KEY = "xi-0123456789abcdefSECRETKEY";
  static final String DEFAULT_VOICE = "JBFqnCBsd6RMkjVDRZzb";
  static final String OTHER_VOICE = "21m00Tcm4TlvDq8ikWAM";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static final FakeSpeechApi fake = vx.forClass(FakeSpeechApi.start(vertx), FakeSpeechApi::forget);
  SpeechBackend backend = create(new JsonObject());

  static SpeechBackend create(JsonObject overrides) {
    JsonObject conf = new JsonObject().put("id", "elevenlabs").put("type", "elevenlabs").put("base_url", fake.url("/"))
      .put("models", new JsonArray().add("eleven_flash_v2_5").add("eleven_multilingual_v2"))
      .put("aliases", new JsonObject().put("tts-1", "eleven_flash_v2_5"))
      .put("voices", new JsonObject().put("rachel", OTHER_VOICE))
      .put("voice_settings", new JsonObject().put("stability", 0.5).put("similarity_boost", 0.75))
      .mergeIn(overrides);
    return vx.backend(new ElevenLabsProvider(), conf, Map.of("ELEVENLABS_API_KEY", KEY, "ELEVENLABS_VOICE_ID", DEFAULT_VOICE));
  }

  static SpeechRequest request(String voice, String format, Integer rate) {
    return new SpeechRequest("tts-1", "Hallo Welt.", voice, format, null, rate, new JsonObject(), null);
  }

  static CallContext ctx() {
    return new CallContext("req-el", null, System.currentTimeMillis() + 20_000);
  }

  @Test
  void streamsAudioAsItArrives() {
    HeldAudio held = new HeldAudio(3, 2048);
    Consumer<RoutingContext> audio = held.reply("audio/mpeg");
    fake.reply(ctx -> {
      ctx.response().putHeader("character-cost", "11").putHeader("request-id", "rq-1");
      audio.accept(ctx);
    });
    SpeechRequest r = new SpeechRequest("tts-1", "Hallo Welt.", null, "mp3", 1.1, null,
      new JsonObject().put("language_code", "de").put("voice_settings", new JsonObject().put("style", 0.2)), null);

    JsonObject trailer = held.forwardedAsItArrives(PipeProbe.start(vertx, true, () -> backend.speak(r, ctx())));
    assertEquals(new JsonObject().put("characters", 11).put("credits", 11), trailer);
    FakeSpeechApi.Seen s = fake.next();
    assertEquals(DEFAULT_VOICE, s.voiceId());
    assertEquals("mp3_44100_128", s.query().get("output_format"));
    assertNull(s.query().get("enable_logging"));
    assertEquals(KEY, s.headers().get("xi-api-key"));
    assertNull(s.headers().get("authorization"));
    assertEquals(new JsonObject().put("text", "Hallo Welt.").put("model_id", "eleven_flash_v2_5").put("language_code", "de")
      .put("voice_settings", new JsonObject().put("stability", 0.5).put("similarity_boost", 0.75).put("style", 0.2).put("speed", 1.1)),
      s.body());
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({"mp3,,mp3_44100_128,audio/mpeg", "mp3,22050,mp3_22050_32,audio/mpeg", "pcm,,pcm_24000,audio/pcm",
    "pcm,16000,pcm_16000,audio/pcm", "pcm,44100,pcm_44100,audio/pcm", "ulaw,,ulaw_8000,audio/basic", "wav,22050,pcm_22050,audio/wav"})
  void formatsMapToOutputFormat(String format, Integer rate, String outputFormat, String contentType) {
    fake.reply(ctx -> ctx.response().end(Buffer.buffer(new byte[64])));
    SpeechRequest r = request(null, format, rate);
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(r, ctx()));
    await(probe.done());
    assertEquals(outputFormat, fake.next().query().get("output_format"));
    assertEquals(contentType, backend.contentType(r));
    Buffer audio = probe.audio();
    if (format.equals("wav")) {
      assertEquals(44 + 64, audio.length());
      assertEquals("RIFF", audio.getString(0, 4));
      assertEquals("WAVE", audio.getString(8, 12));
      assertEquals(1, audio.getShortLE(22), "mono");
      assertEquals(22050, audio.getIntLE(24), "sample rate in the header");
      assertEquals(16, audio.getShortLE(34), "16-bit");
      assertEquals("data", audio.getString(36, 40));
    } else {
      assertEquals(64, audio.length());
    }
  }

  @Test
  void unsupportedFormatsAndRatesAreRefusedBeforeCalling() {
    MeshException opus = failure(PipeProbe.start(vertx, true, () -> backend.speak(request(null, "opus", null), ctx())).done());
    assertEquals(ErrorCode.UNSUPPORTED_MEDIA, opus.errorCode());
    MeshException rate = failure(PipeProbe.start(vertx, true, () -> backend.speak(request(null, "pcm", 11025), ctx())).done());
    assertEquals(ErrorCode.INVALID_REQUEST, rate.errorCode());
    assertEquals("sample_rate", rate.param());
    assertTrue(fake.sawNothing());
  }

  @Test
  void voiceNameIdOrDefault() {
    fake.reply(ctx -> ctx.response().end(Buffer.buffer(new byte[8])));
    for (String[] c : new String[][]{{"rachel", OTHER_VOICE}, {"pNInz6obpgDQGcFmaJgB", "pNInz6obpgDQGcFmaJgB"}, {"alloy", DEFAULT_VOICE}}) {
      await(PipeProbe.start(vertx, true, () -> backend.speak(request(c[0], "mp3", null), ctx())).done());
      assertEquals(c[1], fake.next().voiceId(), c[0]);
    }
    backend = create(new JsonObject().put("enable_logging", false));
    await(PipeProbe.start(vertx, true, () -> backend.speak(request(null, "mp3", null), ctx())).done());
    assertEquals("false", fake.next().query().get("enable_logging"));
  }

  static Stream<Arguments> upstreamErrors() {
    return Stream.of(
      Arguments.of(400, detail("max_character_limit_exceeded", "This request's text has 627 characters and exceeds the character limit of 333"),
        ErrorCode.INVALID_REQUEST, "exceeds the character limit", 0L),
      Arguments.of(401, detail("invalid_api_key", "Invalid API key"), ErrorCode.UPSTREAM, "rejected the credentials", 0L),
      Arguments.of(401, detail("quota_exceeded", "This request exceeds your quota of 10000. You have 12 credits remaining"),
        ErrorCode.UPSTREAM, "quota exhausted", 0L),
      Arguments.of(404, detail("voice_not_found", "A voice with the voice_id JBFqnCBsd6RMkjVDRZzb was not found."),
        ErrorCode.MODEL_NOT_FOUND, "was not found", 0L),
      Arguments.of(422, new JsonObject().put("detail", new JsonArray().add(new JsonObject().put("loc", new JsonArray().add("body").add("text"))
        .put("msg", "field required").put("type", "value_error.missing"))).encode(), ErrorCode.INVALID_REQUEST, "field required (body.text)", 0L),
      Arguments.of(429, detail("too_many_concurrent_requests", "Too many concurrent requests for your subscription"),
        ErrorCode.RATE_LIMITED, "concurrent", 2000L),
      Arguments.of(429, detail("system_busy", "Our services are experiencing high levels of traffic"), ErrorCode.RATE_LIMITED, "high levels", 2000L),
      Arguments.of(500, detail("internal_error", "An internal error occurred"), ErrorCode.UPSTREAM, "500", 0L),
      Arguments.of(503, "Service Unavailable", ErrorCode.UPSTREAM, "Service Unavailable", 0L));
  }

  static String detail(String status, String message) {
    return new JsonObject().put("detail", new JsonObject().put("status", status).put("message", message)).encode();
  }

  @ParameterizedTest(name = "{0} {3}")
  @MethodSource("upstreamErrors")
  void upstreamErrorsMapToTheMeshTaxonomy(int status, String body, ErrorCode code, String fragment, long retry) {
    fake.error(status, body, status == 429 ? "2" : null);
    MeshException e = failure(PipeProbe.start(vertx, true, () -> backend.speak(request(null, "mp3", null), ctx())).done());
    UpstreamFailure.assertMapped(e, code, fragment, retry, KEY);
  }

  @Test
  void cutStreamFails() {
    Promise<Void> gate = Promise.promise();
    fake.reply(AudioScript.gated("audio/mpeg", AudioScript.chunks(3, 300), gate.future(), Promise.promise(), true));
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(request(null, "mp3", null), ctx()));
    await(probe.first());
    gate.complete();
    MeshException e = failure(probe.done());
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertTrue(e.getMessage().contains("cut"), e.getMessage());
  }

  @Test
  void silentUpstreamTimesOut() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("first_byte_ms", 300)));
    fake.reply(ctx -> { });
    MeshException e = failure(PipeProbe.start(vertx, true, () -> backend.speak(request(null, "mp3", null), ctx())).done());
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
  }

  @Test
  void providerNeedsTheKeyButNotTheDefaultVoice() {
    var e = assertThrows(BackendUnavailableException.class,
      () -> new ElevenLabsProvider().create(vertx, new BackendConfig(new JsonObject().put("id", "el"), Map.of())));
    assertEquals("ELEVENLABS_API_KEY not set", e.getMessage());
    SpeechBackend noDefault = (SpeechBackend) new ElevenLabsProvider().create(vertx,
      new BackendConfig(new JsonObject().put("id", "el").put("base_url", fake.url("")), Map.of("ELEVENLABS_API_KEY", KEY)));
    MeshException voice = failure(PipeProbe.start(vertx, true, () -> noDefault.speak(request("alloy", "mp3", null), ctx())).done());
    assertEquals("voice", voice.param());
    await(noDefault.stop());
  }
}
