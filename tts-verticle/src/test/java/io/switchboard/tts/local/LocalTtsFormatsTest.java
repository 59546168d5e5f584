package io.switchboard.tts.local;

import io.switchboard.core.testkit.Await;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.audio.Container;
import io.switchboard.core.audio.G711;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.switchboard.tts.local.TtsTestSupport.parseWav;
import static io.switchboard.tts.local.TtsTestSupport.peak;
import static io.switchboard.tts.local.TtsTestSupport.request;
import static io.switchboard.tts.local.TtsTestSupport.rms;
import static io.switchboard.tts.local.TtsTestSupport.samples;
import static io.switchboard.tts.local.TtsTestSupport.speak;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output formats and rates of the flite backend, checked on the bytes it streams. */
class LocalTtsFormatsTest {

  private static final String ONE_SENTENCE = "The quick brown fox jumps over the lazy dog";
  private static final String THREE_SENTENCES = "Good morning. The weather is fine today! Shall we go for a walk?";

  private static Vertx vertx;
  private static LocalTtsBackend backend;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    backend = TtsTestSupport.started(vertx, TtsTestSupport.conf("flite-formats"));
  }

  @AfterAll
  static void tearDown() {
    Await.await(backend.stop());
    Await.await(vertx.close());
  }

  @Test
  void discoversFliteVoicesWithoutTheLimitedDomainOne() {
    assertTrue(backend.voices().containsAll(List.of("slt", "awb", "rms", "kal", "kal16")), backend.voices().toString());
    assertTrue(backend.voices().stream().noneMatch(v -> v.endsWith("_time")), backend.voices().toString());
  }

  @Test
  void singleSentenceWavHasAnExactValidHeaderAndSpeech() {
    TtsTestSupport.Spoken spoken = speak(vertx, backend, request(ONE_SENTENCE, "slt", "wav", null)).ok();
    byte[] wav = spoken.bytes();
    TtsTestSupport.WavInfo info = parseWav(wav);
    assertEquals(1, info.format(), "PCM");
    assertEquals(1, info.channels());
    assertEquals(16, info.bits());
    assertEquals(16_000, info.sampleRate(), "slt speaks at 16 kHz");
    assertEquals(32_000, info.byteRate());
    assertEquals(2, info.blockAlign());
    assertEquals(44, info.dataOffset());
    assertEquals(wav.length - 44, info.dataSize(), "exact data size for a single sentence");
    assertEquals(wav.length - 8, info.riffSize());
    assertTrue(info.dataSize() > 16_000, "more than half a second of speech: " + info.dataSize());
    short[] s = samples(wav, 44);
    assertTrue(peak(s) > 3000 && rms(s) > 300, "speech, not silence: peak " + peak(s) + " rms " + rms(s));
    assertEquals(ONE_SENTENCE.length(), spoken.trailer().getInteger("characters"));
    assertEquals("audio/wav", backend.contentType(request(ONE_SENTENCE, "slt", "wav", null)));
  }

  @Test
  void multiSentenceWavStreamsWithLengthUnknownSizes() {
    TtsTestSupport.Spoken spoken = speak(vertx, backend, request(THREE_SENTENCES, "slt", "wav", 22_050)).ok();
    assertTrue(spoken.chunks().size() >= 3, "one chunk per sentence at least: " + spoken.chunks().size());
    byte[] wav = spoken.bytes();
    TtsTestSupport.WavInfo info = parseWav(wav);
    assertEquals(0xFFFFFFFFL, info.dataSize());
    assertEquals(0xFFFFFFFFL, info.riffSize());
    assertEquals(22_050, info.sampleRate());
    assertEquals(44_100, info.byteRate());
    assertEquals(0, (wav.length - 44) % 2);
    short[] s = samples(wav, 44);
    assertTrue(s.length > 22_050 * 2, "three sentences last more than two seconds: " + s.length);
    assertTrue(peak(s) > 3000 && rms(s) > 300, "speech, not silence");
    assertEquals(THREE_SENTENCES.length(), spoken.trailer().getInteger("characters"));
  }

  @Test
  void pcmAndUlawSizesFollowTheirRates() {
    byte[] wav = speak(vertx, backend, request(ONE_SENTENCE, "slt", "wav", null)).ok().bytes();
    int native16k = (wav.length - 44) / 2;
    byte[] pcm24 = speak(vertx, backend, request(ONE_SENTENCE, "slt", "pcm", null)).ok().bytes();
    byte[] pcm8 = speak(vertx, backend, request(ONE_SENTENCE, "slt", "pcm", 8000)).ok().bytes();
    byte[] ulaw = speak(vertx, backend, request(ONE_SENTENCE, "slt", "ulaw", null)).ok().bytes();
    byte[] pcm48 = speak(vertx, backend, request(ONE_SENTENCE, "slt", "pcm", 48_000)).ok().bytes();
    assertEquals(2L * native16k * 24_000 / 16_000, pcm24.length, "pcm defaults to 24 kHz");
    assertEquals(2L * native16k * 8_000 / 16_000, pcm8.length);
    assertEquals((long) native16k * 8_000 / 16_000, ulaw.length, "ulaw: one byte per sample at 8 kHz");
    assertEquals(2L * native16k * 48_000 / 16_000, pcm48.length);
    assertEquals("audio/pcm", backend.contentType(request("x", null, "pcm", null)));
    assertEquals("audio/basic", backend.contentType(request("x", null, "ulaw", null)));
  }

  @Test
  void ulawCarriesTheSameSignalAsPcmAtEightKilohertz() {
    short[] pcm8 = samples(speak(vertx, backend, request(ONE_SENTENCE, "slt", "pcm", 8000)).ok().bytes(), 0);
    byte[] ulaw = speak(vertx, backend, request(ONE_SENTENCE, "slt", "ulaw", null)).ok().bytes();
    assertEquals(pcm8.length, ulaw.length);
    for (int i = 0; i < ulaw.length; i++) {
      double expected = pcm8[i] / 32767.0;
      double got = G711.decodeMulaw(ulaw[i]);
      // μ-law keeps about 4 significant bits per segment: the error grows with the amplitude.
      assertTrue(Math.abs(expected - got) <= 0.002 + 0.07 * Math.abs(expected), "sample " + i + ": " + expected + " vs " + got);
    }
  }

  @Test
  void multiSentencePcmAddsUpPerSentence() {
    short[] native16k = samples(speak(vertx, backend, request(THREE_SENTENCES, "slt", "wav", 16_000)).ok().bytes(), 44);
    byte[] pcm24 = speak(vertx, backend, request(THREE_SENTENCES, "slt", "pcm", 24_000)).ok().bytes();
    double expected = 2.0 * native16k.length * 24_000 / 16_000;
    // Each sentence is resampled alone, rounding down: at most one sample lost per sentence.
    assertTrue(pcm24.length <= expected && pcm24.length >= expected - 2 * 3, pcm24.length + " vs " + expected);
  }

  @Test
  void speedShortensTheAudio() {
    int normal = speak(vertx, backend, request(ONE_SENTENCE, "slt", "pcm", null)).ok().bytes().length;
    SpeechRequest fast = SpeechRequest.fromJson(new JsonObject()
      .put("model", "flite").put("input", ONE_SENTENCE).put("voice", "slt").put("response_format", "pcm").put("speed", 2.0));
    int quick = speak(vertx, backend, fast).ok().bytes().length;
    assertTrue(quick < normal * 0.7, "speed 2 gives " + quick + " bytes against " + normal);
  }

  @Test
  void openAiVoiceNamesAndTheDefaultVoiceWork() {
    byte[] nova = speak(vertx, backend, request(ONE_SENTENCE, "nova", "wav", null)).ok().bytes();
    byte[] slt = speak(vertx, backend, request(ONE_SENTENCE, "slt", "wav", null)).ok().bytes();
    byte[] none = speak(vertx, backend, request(ONE_SENTENCE, null, "wav", null)).ok().bytes();
    assertTrue(Arrays.equals(nova, slt), "nova maps to slt");
    assertTrue(Arrays.equals(none, slt), "slt is the default voice");
    byte[] kal = speak(vertx, backend, request(ONE_SENTENCE, "KAL", "wav", null)).ok().bytes();
    assertEquals(8000, parseWav(kal).sampleRate(), "kal is an 8 kHz voice, matched case-insensitively");
  }

  @Test
  void textIsNeverTakenForOptionsOrShellSyntax(@TempDir Path dir) {
    Path pwned = dir.resolve("pwned");
    String hostile = "-o " + pwned + " ; touch " + pwned + " $(touch " + pwned + ") `touch " + pwned + "` -voice kal";
    byte[] wav = speak(vertx, backend, request(hostile, "slt", "wav", null)).ok().bytes();
    assertEquals(16_000, parseWav(wav).sampleRate(), "still slt: '-voice kal' in the text was spoken, not obeyed");
    assertFalse(Files.exists(pwned), "nothing in the text ran");
  }

  @ParameterizedTest
  @CsvSource({"mp3, MP3, audio/mpeg", "opus, OGG, audio/ogg", "aac, AAC, audio/aac", "flac, FLAC, audio/flac"})
  void compressedFormatsGoThroughFfmpeg(String format, Container container, String contentType) {
    TtsTestSupport.Spoken spoken = speak(vertx, backend, request(THREE_SENTENCES, "rms", format, null)).ok();
    byte[] bytes = spoken.bytes();
    assertEquals(container, Container.sniff(bytes), format);
    assertTrue(bytes.length > 1000, format + " has audio: " + bytes.length);
    assertEquals(contentType, backend.contentType(request("x", null, format, null)));
    assertEquals(THREE_SENTENCES.length(), spoken.trailer().getInteger("characters"));
  }
}
