package io.switchboard.app.http;

import io.switchboard.core.testkit.speech.AudioScript;
import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static io.switchboard.app.http.HttpTestNode.errorNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/audio/speech} end to end: audio from ElevenLabs and OpenAI (fakes holding the rest of the audio
 * back until the HTTP client has the first bytes) reaches the client while the upstream is still sending, and
 * {@code local-tts} (flite) answers valid WAV, PCM of the length the WAV implies, and 400 for a voice it lacks.
 */
class SpeechHttpTest {

  static final String ELEVEN_KEY = "xi-test-0123456789abcdefSECRET";
  static final String VOICE_ID = "JBFqnCBsd6RMkjVDRZzb";
  static final String OPENAI_KEY = "sk-test-speech-0123456789abcdef";

  /** What a fake upstream saw of one request. */
  record Seen(String path, MultiMap headers, JsonObject body) {
  }

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeUpstream upstream;
  static volatile Consumer<RoutingContext> reply;
  static final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start(vertx, router -> {
      router.post("/v1/text-to-speech/:voice/stream").handler(BodyHandler.create()).handler(SpeechHttpTest::record);
      router.post("/v1/audio/speech").handler(BodyHandler.create()).handler(SpeechHttpTest::record);
    });
    JsonObject timeouts = new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", 10_000);
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "eleven").put("type", "elevenlabs").put("base_url", upstream.url("/")).put("priority", 30)
        .put("models", new JsonArray().add("eleven_flash_v2_5")).put("aliases", new JsonObject().put("tts-1", "eleven_flash_v2_5"))
        .put("timeouts", timeouts))
      .add(new JsonObject().put("id", "openai-tts").put("type", "openai-speech").put("base_url", upstream.url("/v1")).put("priority", 20)
        .put("models", new JsonArray().add("tts-1").add("gpt-4o-mini-tts")).put("timeouts", timeouts))
      .add(new JsonObject().put("id", "flite").put("type", "local-tts").put("priority", 10));
    node = HttpTestNode.start(vertx, backends, new JsonObject(),
      Map.of("ELEVENLABS_API_KEY", ELEVEN_KEY, "ELEVENLABS_VOICE_ID", VOICE_ID, "OPENAI_API_KEY", OPENAI_KEY));
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  private static void record(RoutingContext ctx) {
    seen.add(new Seen(ctx.request().path(), MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers()), ctx.body().asJsonObject()));
    reply.accept(ctx);
  }

  /** What the raw client saw: whether the upstream had finished when the first bytes arrived, and the whole body. */
  record Streamed(int status, String contentType, String backend, boolean upstreamFinishedAtFirstBytes, Buffer first, Buffer body,
                  boolean endedCleanly) {
  }

  /** The upstream's next reply: {@code chunks} of audio, all but the first held until {@code gate} opens; {@code finished}. */
  private record Gated(List<Buffer> chunks, Promise<Void> gate, Promise<Void> finished) {
  }

  /** Makes the upstream's next reply {@code n} chunks of 4 KiB ({@link AudioScript#gated}), cut mid-way when {@code cut}. */
  private static Gated gatedReply(int n, boolean cut) {
    Gated g = new Gated(AudioScript.chunks(n, 4096), Promise.promise(), Promise.promise());
    reply = AudioScript.gated("audio/mpeg", g.chunks(), g.gate().future(), g.finished(), cut);
    return g;
  }

  /**
   * Sends a speech request with a raw HTTP client; on the first bytes of the body, notes whether the upstream had
   * finished and opens the upstream's gate, which lets the fake send the rest.
   */
  private static Streamed stream(JsonObject request, String provider, Gated upstream) throws Exception {
    Promise<Void> gate = upstream.gate();
    Promise<Void> upstreamFinished = upstream.finished();
    HttpClient http = vertx.createHttpClient();
    try {
      Promise<Buffer> first = Promise.promise();
      Promise<Void> ended = Promise.promise();
      AtomicBoolean finishedAtFirst = new AtomicBoolean();
      Buffer body = Buffer.buffer();
      HttpClientResponse res = node.onContext(() -> http.request(HttpMethod.POST, node.port, "127.0.0.1", "/v1/audio/speech")
        .compose(req -> req.putHeader("content-type", "application/json").putHeader("x-switchboard-provider", provider)
          .send(request.toBuffer()))
        .onSuccess(r -> {
          r.handler(b -> {
            body.appendBuffer(b);
            if (!first.future().isComplete()) {
              finishedAtFirst.set(upstreamFinished.future().isComplete());
              first.complete(b.copy());
              gate.tryComplete();
            }
          });
          r.endHandler(v -> ended.tryComplete());
          r.exceptionHandler(ended::tryFail);
        }))
        .await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
      Buffer firstBytes;
      try {
        firstBytes = first.future().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("no audio reached the client while the upstream held the rest back: the mesh buffers the stream");
      }
      boolean clean = ended.future().transform(ar -> Future.succeededFuture(ar.succeeded())).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
      return new Streamed(res.statusCode(), res.getHeader("content-type"), res.getHeader("x-switchboard-backend"), finishedAtFirst.get(),
        firstBytes, body, clean);
    } finally {
      http.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"eleven", "openai-tts"})
  void cloudAudioReachesTheClientBeforeTheUpstreamFinished(String provider) throws Exception {
    Gated upstream = gatedReply(5, false);
    List<Buffer> chunks = upstream.chunks();
    JsonObject request = new JsonObject().put("model", "tts-1").put("input", "Streaming speech from the mesh.").put("voice", "alloy")
      .put("response_format", "mp3");

    Streamed s = stream(request, provider, upstream);

    assertEquals(200, s.status());
    assertEquals(provider, s.backend());
    assertEquals("audio/mpeg", s.contentType());
    assertFalse(s.upstreamFinishedAtFirstBytes(), "the first audio reached the HTTP client while the upstream still held the rest");
    assertTrue(upstream.finished().future().isComplete(), "and the upstream finished after that");
    assertTrue(s.first().length() > 0 && s.first().length() <= 4096, "the first read is part of chunk 0: " + s.first().length());
    assertEquals(chunks.get(0).getBuffer(0, s.first().length()), s.first());
    assertTrue(s.endedCleanly(), "a finished stream ends cleanly");
    assertEquals(AudioScript.join(chunks), s.body(), "every byte, in order");

    Seen up = Await.next(seen, "request to the upstream");
    if (provider.equals("eleven")) {
      assertEquals("/v1/text-to-speech/" + VOICE_ID + "/stream", up.path());
      assertEquals(ELEVEN_KEY, up.headers().get("xi-api-key"));
      assertEquals("eleven_flash_v2_5", up.body().getString("model_id"), "the alias resolved for ElevenLabs");
      assertEquals("Streaming speech from the mesh.", up.body().getString("text"));
    } else {
      assertEquals("Bearer " + OPENAI_KEY, up.headers().get("authorization"));
      assertEquals(new JsonObject().put("model", "tts-1").put("input", "Streaming speech from the mesh.").put("voice", "alloy")
        .put("response_format", "mp3"), up.body());
    }
  }

  /** After audio went out the status cannot change: a stream cut upstream must not end as a clean, shorter success. */
  @ParameterizedTest
  @ValueSource(strings = {"eleven", "openai-tts"})
  void anUpstreamCutMidStreamDoesNotEndCleanly(String provider) throws Exception {
    Gated upstream = gatedReply(4, true);
    JsonObject request = new JsonObject().put("model", "tts-1").put("input", "This stream will be cut.").put("voice", "alloy");

    Streamed s = stream(request, provider, upstream);

    assertEquals(200, s.status(), "headers went out with the first audio");
    assertFalse(s.endedCleanly(), "the client can tell the audio is incomplete: " + s.body().length() + " bytes");
  }

  private static HttpResponse<Buffer> local(JsonObject request) throws Exception {
    return node.onContext(() -> node.post("/v1/audio/speech").putHeader("content-type", "application/json")
      .putHeader("x-switchboard-provider", "flite").sendBuffer(request.toBuffer())).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
  }

  private static JsonObject speech(String input, String format) {
    return new JsonObject().put("model", "tts-1").put("input", input).put("voice", "alloy").put("response_format", format);
  }

  @Test
  void localWavIsAValidRiffFile() throws Exception {
    for (String input : List.of("Hello from the switchboard mesh.", "First sentence here. And a second one follows. Then a third.")) {
      HttpResponse<Buffer> res = local(speech(input, "wav"));
      assertEquals(200, res.statusCode(), res.bodyAsString());
      assertEquals("flite", res.getHeader("x-switchboard-backend"));
      assertEquals("audio/wav", res.getHeader("content-type"));
      Wav wav = Wav.parse(res.body());
      assertTrue(wav.seconds() > 0.5, "speech, not a click: " + wav);
    }
  }

  @Test
  void localPcmLengthMatchesTheWav() throws Exception {
    String input = "The mesh speaks this sentence twice, in two formats.";
    Wav wav = Wav.parse(local(speech(input, "wav")).body());
    HttpResponse<Buffer> pcm24 = local(speech(input, "pcm"));
    assertEquals(200, pcm24.statusCode(), pcm24.bodyAsString());
    assertEquals("audio/pcm", pcm24.getHeader("content-type"));
    assertPcmOf(wav, pcm24.body(), 24_000);
    HttpResponse<Buffer> pcm8 = local(speech(input, "pcm").put("sample_rate", 8000));
    assertEquals(200, pcm8.statusCode(), pcm8.bodyAsString());
    assertPcmOf(wav, pcm8.body(), 8_000);
  }

  /** Raw s16le mono with as many samples as the WAV's audio takes at {@code rate} (the resampler may round a little). */
  private static void assertPcmOf(Wav wav, Buffer pcm, int rate) {
    assertFalse(pcm.getString(0, 4).equals("RIFF"), "pcm has no header");
    assertEquals(0, pcm.length() % 2, "whole 16-bit samples");
    double expected = wav.samples() * (double) rate / wav.rate();
    assertEquals(expected, pcm.length() / 2.0, expected * 0.01 + 64, "pcm at " + rate + " Hz of a " + wav);
  }

  @Test
  void unknownVoiceIs400NamingVoice() throws Exception {
    HttpResponse<Buffer> res = local(speech("Hello.", "wav").put("voice", "no-such-voice-xyz"));
    errorNaming(res, 400, "voice");
  }

  /** A mono 16-bit PCM WAV, its header checked here by hand rather than by the code under test. */
  record Wav(int rate, long samples) {

    double seconds() {
      return (double) samples / rate;
    }

    static Wav parse(Buffer b) {
      assertEquals("RIFF", b.getString(0, 4));
      assertEquals("WAVE", b.getString(8, 12));
      long riff = b.getUnsignedIntLE(4);
      assertTrue(riff == 0xFFFFFFFFL || riff == b.length() - 8, "RIFF size is the file's, or 'unknown' when streamed: " + riff);
      assertEquals("fmt ", b.getString(12, 16));
      assertEquals(1, b.getUnsignedShortLE(20), "PCM");
      assertEquals(1, b.getUnsignedShortLE(22), "mono");
      int rate = b.getIntLE(24);
      assertEquals(rate * 2, b.getIntLE(28), "byte rate");
      assertEquals(2, b.getUnsignedShortLE(32), "block align");
      assertEquals(16, b.getUnsignedShortLE(34), "bits");
      int pos = 20 + b.getIntLE(16);
      while (!b.getString(pos, pos + 4).equals("data")) {
        pos += 8 + b.getIntLE(pos + 4);
      }
      long data = b.getUnsignedIntLE(pos + 4);
      long available = b.length() - pos - 8L;
      assertTrue(data == 0xFFFFFFFFL || data == available, "data size is the audio's, or 'unknown' when streamed: " + data);
      assertTrue(riff == 0xFFFFFFFFL == (data == 0xFFFFFFFFL), "both sizes known or both unknown");
      assertEquals(0, available % 2, "whole samples");
      return new Wav(rate, available / 2);
    }
  }
}
