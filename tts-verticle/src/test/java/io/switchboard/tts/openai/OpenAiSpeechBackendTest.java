package io.switchboard.tts.openai;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code openai-speech} against a fake of OpenAI's {@code POST /v1/audio/speech}. Documented behaviours covered
 * (OpenAI API reference, Audio > Create speech; text-to-speech guide; error codes guide):
 * <ul>
 *   <li>JSON body {@code model, input, voice, response_format, speed}, {@code instructions} for gpt-4o-mini-tts;
 *       Bearer key; the 4096-character input limit;</li>
 *   <li>the audio comes as a chunked body ({@code Transfer-Encoding: chunked}) and is forwarded as it arrives: the
 *       first chunk reaches the pipe while the fake still holds the rest back;</li>
 *   <li>{@code pcm} is 24 kHz s16le mono: another sample rate, or mu-law, is refused before calling;</li>
 *   <li>errors {@code {"error":{message,type,param,code}}}: 400 invalid voice, 401, 404, 429 with Retry-After,
 *       500, 503; a stalled first byte and a stalled stream time out; a body cut mid-way fails the pipe after
 *       audio was delivered; a cancelled pipe resets the upstream request; back-pressure pauses the upstream.</li>
 * </ul>
 */
class OpenAiSpeechBackendTest {

  static final String KEY = "sk-test-speech-0123456789SECRET";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static final FakeSpeechApi fake = vx.forClass(FakeSpeechApi.start(vertx), FakeSpeechApi::forget);
  SpeechBackend backend = create(new JsonObject());

  static SpeechBackend create(JsonObject overrides) {
    JsonObject conf = new JsonObject().put("id", "openai-speech").put("type", "openai-speech")
      .put("base_url", fake.url("/v1")).put("models", new JsonArray().add("tts-1").add("gpt-4o-mini-tts"))
      .put("aliases", new JsonObject().put("light", "tts-1")).put("default_voice", "alloy")
      .mergeIn(overrides);
    return vx.backend(new OpenAiSpeechProvider(), conf, Map.of("OPENAI_API_KEY", KEY));
  }

  static SpeechRequest request(String format, Integer rate) {
    return new SpeechRequest("light", "Hello from the mesh.", null, format, 1.25, rate, new JsonObject(), null);
  }

  static CallContext ctx() {
    return new CallContext("req-tts", null, System.currentTimeMillis() + 20_000);
  }

  @Test
  void audioIsForwardedBeforeTheUpstreamFinished() {
    HeldAudio held = new HeldAudio(4, 1000);
    fake.reply(held.reply("audio/mpeg"));

    JsonObject trailer = held.forwardedAsItArrives(PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx())));
    assertEquals(new JsonObject().put("characters", 20), trailer);
    FakeSpeechApi.Seen s = fake.next();
    assertEquals("Bearer " + KEY, s.headers().get("authorization"));
    assertEquals(new JsonObject().put("model", "tts-1").put("input", "Hello from the mesh.").put("voice", "alloy")
      .put("response_format", "mp3").put("speed", 1.25), s.body());
    assertEquals("audio/mpeg", backend.contentType(request("mp3", null)));
  }

  @Test
  void instructionsAndVoiceGoUpstreamForPcm() {
    fake.reply(ctx -> ctx.response().putHeader("content-type", "audio/pcm").end(Buffer.buffer(new byte[480])));
    SpeechRequest r = new SpeechRequest("gpt-4o-mini-tts", "Hi", "coral", "pcm", null, 24000,
      new JsonObject().put("instructions", "Speak calmly."), null);
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(r, ctx()));
    await(probe.done());
    assertEquals(480, probe.audio().length());
    JsonObject body = fake.next().body();
    assertEquals("coral", body.getString("voice"));
    assertEquals("Speak calmly.", body.getString("instructions"));
    assertNull(body.getValue("speed"));
    assertEquals("audio/pcm", backend.contentType(r));
  }

  @Test
  void requestsOpenAiCannotAnswerAreRefusedBeforeCalling() {
    assertEquals(ErrorCode.UNSUPPORTED_MEDIA, failure(PipeProbe.start(vertx, true, () -> backend.speak(request("ulaw", null), ctx())).done()).errorCode());
    MeshException rate = failure(PipeProbe.start(vertx, true, () -> backend.speak(request("pcm", 16000), ctx())).done());
    assertEquals("sample_rate", rate.param());
    SpeechRequest tooLong = new SpeechRequest("tts-1", "x".repeat(4097), null, "mp3", null, null, null, null);
    assertEquals("input", failure(PipeProbe.start(vertx, true, () -> backend.speak(tooLong, ctx())).done()).param());
    SpeechRequest unknown = new SpeechRequest("tts-9", "x", null, "mp3", null, null, null, null);
    assertEquals(ErrorCode.MODEL_NOT_FOUND, failure(PipeProbe.start(vertx, true, () -> backend.speak(unknown, ctx())).done()).errorCode());
    assertTrue(fake.sawNothing());
  }

  @ParameterizedTest(name = "{0} {3}")
  @CsvSource(delimiter = '|', value = {
    "400|invalid_value|Invalid value: 'bob'. Supported values are: 'alloy', 'ash', 'coral'|INVALID_REQUEST|Invalid value|0",
    "401|invalid_api_key|Incorrect API key provided: sk-test-********CRET|UPSTREAM|rejected the credentials|0",
    "404|model_not_found|The model `tts-1` does not exist|MODEL_NOT_FOUND|does not exist|0",
    "429|rate_limit_exceeded|Rate limit reached for tts-1 in organization org-x on requests per min|RATE_LIMITED|Rate limit|5000",
    "500|server_error|The server had an error while processing your request|UPSTREAM|500|0",
    "503|engine_overloaded|The engine is currently overloaded|UPSTREAM|overloaded|0"})
  void upstreamErrorsFailThePipeBeforeAnyAudio(int status, String code, String message, ErrorCode expected, String fragment, long retry) {
    fake.error(status, new JsonObject().put("error", new JsonObject().put("message", message).put("type", "x").put("code", code)).encode(),
      status == 429 ? "5" : null);
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx()));
    UpstreamFailure.assertMapped(failure(probe.done()), expected, fragment, retry, KEY);
    assertEquals(0, probe.size());
  }

  @Test
  void cutStreamFailsThePipeAfterTheAudioItDelivered() {
    List<Buffer> chunks = AudioScript.chunks(3, 500);
    Promise<Void> gate = Promise.promise();
    fake.reply(AudioScript.gated("audio/mpeg", chunks, gate.future(), Promise.promise(), true));
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx()));
    await(probe.first());
    gate.complete();
    MeshException e = failure(probe.done());
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertTrue(e.getMessage().contains("cut"), e.getMessage());
    assertTrue(probe.audio().length() >= 500, "the audio before the cut was delivered");
  }

  @Test
  void stalledStreamTimesOut() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("idle_ms", 300)));
    fake.reply(AudioScript.gated("audio/mpeg", AudioScript.chunks(2, 100), Promise.<Void>promise().future(), Promise.promise(), false));
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx()));
    MeshException e = failure(probe.done());
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("no data for 300 ms"), e.getMessage());
    assertEquals(100, probe.audio().length());
    await(fake.closed());
  }

  @Test
  void silentUpstreamHitsTheFirstByteTimeout() {
    backend = create(new JsonObject().put("timeouts", new JsonObject().put("first_byte_ms", 300)));
    fake.reply(ctx -> { });
    MeshException e = failure(PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx())).done());
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
    assertTrue(e.getMessage().contains("no response headers within 300 ms"), e.getMessage());
  }

  @Test
  void cancelledPipeResetsTheUpstreamRequest() {
    fake.reply(AudioScript.gated("audio/mpeg", AudioScript.chunks(2, 100), Promise.<Void>promise().future(), Promise.promise(), false));
    PipeProbe probe = PipeProbe.start(vertx, true, () -> backend.speak(request("mp3", null), ctx()));
    await(probe.first());
    await(probe.cancel());
    await(fake.closed());
  }

  @Test
  void fullPipePausesTheUpstreamUntilDrained() {
    backend = create(new JsonObject().put("stream_high_water", 2).put("timeouts", new JsonObject().put("idle_ms", 300)));
    List<Buffer> chunks = AudioScript.chunks(20, 1024);
    Promise<Void> finished = Promise.promise();
    fake.reply(ctx -> {
      ctx.response().setChunked(true);
      for (Buffer b : chunks) {
        ctx.response().write(b);
      }
      ctx.response().end().onComplete(v -> finished.complete());
    });
    PipeProbe probe = PipeProbe.start(vertx, false, () -> backend.speak(request("mp3", null), ctx()));
    await(finished.future());
    // Settle past the idle timeout: a paused reader must neither read on nor time out while the caller is slow.
    await(io.vertx.core.Future.future(p -> vertx.setTimer(600, t -> p.complete())));
    assertEquals(2, probe.maxBuffered(), "reading stopped at the pipe's high-water mark");
    assertFalse(probe.done().isComplete());
    for (int i = 0; i < 100 && !probe.done().isComplete(); i++) {
      await(probe.takeAllNow());
    }
    await(probe.done());
    assertEquals(AudioScript.join(chunks), probe.audio());
  }

  @Test
  void providerNeedsTheKey() {
    var e = assertThrows(BackendUnavailableException.class,
      () -> new OpenAiSpeechProvider().create(vertx, new BackendConfig(new JsonObject().put("id", "x"), Map.of())));
    assertEquals("OPENAI_API_KEY not set", e.getMessage());
  }
}
