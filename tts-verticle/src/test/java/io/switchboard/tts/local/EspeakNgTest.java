package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.tts.local.TtsTestSupport.conf;
import static io.switchboard.tts.local.TtsTestSupport.parseWav;
import static io.switchboard.tts.local.TtsTestSupport.peak;
import static io.switchboard.tts.local.TtsTestSupport.request;
import static io.switchboard.tts.local.TtsTestSupport.rms;
import static io.switchboard.tts.local.TtsTestSupport.samples;
import static io.switchboard.tts.local.TtsTestSupport.speak;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The espeak-ng engine (Debian package espeak-ng must be installed). */
class EspeakNgTest {

  private static Vertx vertx;
  private static LocalTtsBackend backend;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    backend = TtsTestSupport.started(vertx, conf("espeak").put("engine", "espeak-ng"));
  }

  @AfterAll
  static void tearDown() {
    await(backend.stop());
    await(vertx.close());
  }

  @Test
  void discoversLanguageVoicesAndAnnouncesItsModel() {
    assertTrue(backend.voices().containsAll(List.of("en-us", "en-gb", "de", "fr-fr", "fr", "en")), backend.voices().toString());
    assertEquals(List.of("espeak-ng"), backend.descriptor().models());
    assertEquals(Map.of("tts-1", "espeak-ng", "tts-1-hd", "espeak-ng"), backend.descriptor().aliases());
  }

  @Test
  void speaksWavAtItsOwnRateSentenceBySentence() {
    TtsTestSupport.Spoken spoken = speak(vertx, backend, request("Hello from eSpeak. This is a second sentence.", "en-us", "wav", null)).ok();
    assertTrue(spoken.chunks().size() >= 2);
    byte[] wav = spoken.bytes();
    TtsTestSupport.WavInfo info = parseWav(wav);
    assertEquals(22_050, info.sampleRate());
    assertEquals(1, info.channels());
    assertEquals(16, info.bits());
    assertEquals(0xFFFFFFFFL, info.dataSize(), "streamed: length unknown");
    short[] s = samples(wav, info.dataOffset());
    assertTrue(s.length > 22_050, "over a second of speech: " + s.length);
    assertTrue(peak(s) > 3000 && rms(s) > 300, "speech, not silence");
  }

  @Test
  void variantsAndMappedVoicesWorkAndUnknownOnesAreRefused() {
    byte[] female = speak(vertx, backend, request("Good evening", "en-us+f3", "pcm", 16_000)).ok().bytes();
    byte[] nova = speak(vertx, backend, request("Good evening", "nova", "pcm", 16_000)).ok().bytes();
    byte[] plain = speak(vertx, backend, request("Good evening", "en-us", "pcm", 16_000)).ok().bytes();
    assertTrue(female.length > 8000);
    assertTrue(Arrays.equals(female, nova), "nova maps to en-us+f3");
    assertNotEquals(Arrays.hashCode(plain), Arrays.hashCode(female), "a variant changes the voice");
    byte[] german = speak(vertx, backend, request("Guten Abend, wie geht es Ihnen?", "de", "ulaw", null)).ok().bytes();
    assertTrue(german.length > 4000, "German at 8 kHz: " + german.length);
    assertTrue(speak(vertx, backend, request("Bonjour tout le monde.", "fr", "pcm", null)).ok().bytes().length > 24_000);
    MeshException e = speak(vertx, backend, request("Hi.", "en-us+nosuchvariant", "wav", null)).error();
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains("en-us"), e.getMessage());
  }
}
