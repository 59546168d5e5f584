package io.switchboard.asr.whisper;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.audio.WavWriter;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local Whisper backend wired by {@link BackendVerticle}: audio as a Buffer body, parameters in
 * {@link TranscriptionRequest#PARAMS_HEADER}, op {@link Headers#OP_TRANSCRIBE}. Bad audio of every kind comes
 * back as a failed reply with the right code and a message naming the problem, and the backend keeps serving.
 */
class LocalWhisperBusTest {

  private static final String ID = "whisper-bus";
  private static Vertx vertx;
  private static byte[] sentence;
  private static String sentenceText;

  @BeforeAll
  static void setUp() throws Exception {
    TestModel.path();
    String[] s = SpeechCorpus.SHORT.get(1);
    sentence = Files.readAllBytes(SpeechCorpus.speak(s[0], s[1]));
    sentenceText = s[1];
    vertx = Vertx.vertx();
    var backend = new LocalWhisperProvider().create(vertx, TestModel.conf(ID, new JsonObject()
      .put("max_audio_seconds", 60).put("max_bytes", 2_000_000)));
    vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 60_000)))
      .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Stream<Arguments> badAudio() {
    byte[] good = WavWriter.pcm16(new float[16000], 16000);
    byte[] random = new byte[5000];
    new Random(3).nextBytes(random);
    random[0] = 0x13;
    byte[] fakeMp3 = new byte[3000];
    System.arraycopy("ID3".getBytes(StandardCharsets.US_ASCII), 0, fakeMp3, 0, 3);
    fakeMp3[3] = 3;
    Arrays.fill(fakeMp3, 10, fakeMp3.length, (byte) 0x55);
    byte[] tooLong = WavWriter.encode(new float[][]{new float[8000 * 70]}, 8000, WavWriter.Encoding.MULAW, false);
    return Stream.of(
      Arguments.of("empty body", new byte[0], null, ErrorCode.INVALID_REQUEST, "the audio file is empty"),
      Arguments.of("random bytes", random, null, ErrorCode.UNSUPPORTED_MEDIA, "unrecognised audio format"),
      Arguments.of("a text file", "transcribe me please".getBytes(StandardCharsets.UTF_8), null, ErrorCode.UNSUPPORTED_MEDIA,
        "looks like text"),
      Arguments.of("truncated header", Arrays.copyOf(sentence, 30), null, ErrorCode.INVALID_REQUEST, "truncated"),
      Arguments.of("0 channels", patch16(good, 22, 0), null, ErrorCode.INVALID_REQUEST, "0 channels"),
      Arguments.of("0 Hz", patch32(good, 24, 0), null, ErrorCode.INVALID_REQUEST, "sample rate 0 Hz"),
      Arguments.of("10^9 Hz", patch32(good, 24, 1_000_000_000), null, ErrorCode.INVALID_REQUEST, "sample rate 1000000000 Hz"),
      Arguments.of("data larger than file", patch32(good, 40, 900_000), null, ErrorCode.INVALID_REQUEST, "declares 900000 bytes"),
      Arguments.of("13 bits per sample", patch16(good, 34, 13), null, ErrorCode.INVALID_REQUEST, "13 bits per sample"),
      Arguments.of("zero-length audio", patch32(Arrays.copyOf(good, 44), 40, 0), null, ErrorCode.INVALID_REQUEST, "no audio samples"),
      Arguments.of("longer than allowed", tooLong, null, ErrorCode.PAYLOAD_TOO_LARGE, "lasts 70.0 s, longer than the 60 s"),
      Arguments.of("more bytes than allowed", new byte[2_000_001], null, ErrorCode.PAYLOAD_TOO_LARGE, "2000001 bytes, more than"),
      Arguments.of("corrupt mp3", fakeMp3, null, ErrorCode.INVALID_REQUEST, "ffmpeg could not decode the MP3 audio"),
      Arguments.of("French requested", sentence, "fr", ErrorCode.INVALID_REQUEST,
        "local-whisper (tiny.en) transcribes English only; language 'fr' requested"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badAudio")
  void badRequestsFailWithTheRightCodeAndTheBackendKeepsServing(String name, byte[] audio, String language, ErrorCode code,
                                                                String message) throws Exception {
    JsonObject params = new JsonObject().put("model", "whisper-1").put("filename", "upload.wav");
    if (language != null) {
      params.put("language", language);
    }
    MeshException e = failure(send(io.vertx.core.buffer.Buffer.buffer(audio), params));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(message), "'" + e.getMessage() + "' should contain '" + message + "'");
    assertEquals(language != null ? "language" : "file", e.param());
  }

  @Test
  void aGoodRequestAfterTheBadOnesIsTranscribed() throws Exception {
    for (Arguments bad : badAudio().toList()) {
      Object[] a = bad.get();
      JsonObject params = new JsonObject().put("model", "whisper-1");
      if (a[2] != null) {
        params.put("language", a[2]);
      }
      failure(send(io.vertx.core.buffer.Buffer.buffer((byte[]) a[1]), params));
    }
    failure(vertx.eventBus().request(Addresses.backend(ID), new JsonObject().put("not", "audio"), options(new JsonObject()
      .put("model", "whisper-1"))));
    JsonObject out = send(io.vertx.core.buffer.Buffer.buffer(sentence), new JsonObject().put("model", "whisper-1")
      .put("language", "English")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).body();
    assertTrue(WordErrorRate.score(sentenceText, out.getString("text")).rate() <= 0.15, out.encode());
    assertEquals("en", out.getString("language"));
    assertEquals(1, out.getJsonArray("segments").size());
    assertEquals(out.getDouble("duration"), out.getJsonArray("segments").getJsonObject(0).getDouble("end"), 0.01);
  }

  @Test
  void telephonyAudioWithoutAHeaderIsRecognisedByContentType() throws Exception {
    byte[] mulaw = SpeechCorpus.convert(new SpeechCorpus.Clip("bus-sentence", sentenceText, sentence), "ulaw",
      java.util.List.of("-ar", "8000", "-ac", "1", "-f", "mulaw"));
    JsonObject out = send(io.vertx.core.buffer.Buffer.buffer(mulaw), new JsonObject().put("model", "whisper-1")
      .put("content_type", "audio/basic").put("filename", "call")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS)
      .body();
    assertTrue(WordErrorRate.score(sentenceText, out.getString("text")).rate() <= 0.2, out.encode());
  }

  @Test
  void theNotAudioBodyIsRefused() {
    MeshException e = failure(vertx.eventBus().request(Addresses.backend(ID), new JsonObject().put("x", 1),
      options(new JsonObject().put("model", "whisper-1"))));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains("audio bytes"), e.getMessage());
  }

  private static Future<Message<JsonObject>> send(io.vertx.core.buffer.Buffer audio, JsonObject params) {
    return vertx.eventBus().request(Addresses.backend(ID), audio, options(params));
  }

  private static io.vertx.core.eventbus.DeliveryOptions options(JsonObject params) {
    return BackendVerticle.requestOptions(Headers.OP_TRANSCRIBE, "req-local", null, System.currentTimeMillis() + 60_000)
      .addHeader(TranscriptionRequest.PARAMS_HEADER, params.encode());
  }

  private static MeshException failure(Future<?> f) {
    Exception e = assertThrows(Exception.class, () -> f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    return assertInstanceOf(MeshException.class, e.getCause());
  }

  private static byte[] patch16(byte[] src, int at, int v) {
    byte[] b = src.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    return b;
  }

  private static byte[] patch32(byte[] src, int at, int v) {
    byte[] b = src.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    return b;
  }
}
