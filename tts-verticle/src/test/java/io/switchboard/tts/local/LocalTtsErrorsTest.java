package io.switchboard.tts.local;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.tts.local.TtsTestSupport.conf;
import static io.switchboard.tts.local.TtsTestSupport.request;
import static io.switchboard.tts.local.TtsTestSupport.speak;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests and configurations the flite backend refuses, each with its code and a message naming the problem. */
class LocalTtsErrorsTest {

  private static Vertx vertx;
  private static LocalTtsBackend backend;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    backend = TtsTestSupport.started(vertx, conf("flite-errors").put("max_chars", 60).put("ffmpeg_path", "/nonexistent/ffmpeg"));
  }

  @AfterAll
  static void tearDown() {
    await(backend.stop());
    await(vertx.close());
  }

  private static MeshException refused(SpeechRequest request) {
    return speak(vertx, backend, request).error();
  }

  @Test
  void unknownVoiceIs400NamingTheVoices() {
    MeshException e = refused(request("Hello there.", "darth", "wav", null));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals(400, e.failureCode());
    assertEquals("voice", e.param());
    assertTrue(e.getMessage().contains("'darth'") && e.getMessage().contains("slt") && e.getMessage().contains("awb"), e.getMessage());
    assertTrue(e.getMessage().contains("alloy"), "mentions the mapped OpenAI names: " + e.getMessage());
  }

  @Test
  void emptyOrUnspeakableInputIs400() {
    MeshException blank = refused(new SpeechRequest("flite", "   ", "slt", "wav", null, null, null, null));
    assertEquals(ErrorCode.INVALID_REQUEST, blank.errorCode());
    assertEquals("input", blank.param());
    MeshException dots = refused(request("... !? ;", "slt", "wav", null));
    assertEquals(ErrorCode.INVALID_REQUEST, dots.errorCode());
    assertTrue(dots.getMessage().contains("nothing to speak"), dots.getMessage());
  }

  @Test
  void inputOverTheLimitIs413GivingTheLimit() {
    MeshException e = refused(request("a".repeat(61), "slt", "wav", null));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.errorCode());
    assertEquals(413, e.failureCode());
    assertTrue(e.getMessage().contains("61") && e.getMessage().contains("at most 60"), e.getMessage());
    speak(vertx, backend, request("a b ".repeat(15), "slt", "pcm", null)).ok();
  }

  @Test
  void compressedFormatsWithoutFfmpegAre415NamingFfmpeg() {
    for (String format : List.of("mp3", "opus", "aac", "flac")) {
      MeshException e = refused(request("Hello there.", "slt", format, null));
      assertEquals(ErrorCode.UNSUPPORTED_MEDIA, e.errorCode(), format);
      assertEquals(415, e.failureCode());
      assertTrue(e.getMessage().contains("ffmpeg") && e.getMessage().contains(format), e.getMessage());
    }
    speak(vertx, backend, request("Hello there.", "slt", "ulaw", null)).ok();
  }

  @Test
  void aModelItDoesNotServeIs404() {
    MeshException e = refused(SpeechRequest.fromJson(new JsonObject().put("model", "eleven_multilingual_v2").put("input", "Hi.")
      .put("response_format", "wav")));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, e.errorCode());
    assertTrue(e.getMessage().contains("flite") && e.getMessage().contains("tts-1"), e.getMessage());
  }

  @Test
  void descriptorAnnouncesFreeLocalSpeechWithOpenAiAliases() {
    BackendDescriptor d = backend.descriptor();
    assertEquals("local-tts", d.type());
    assertEquals(Set.of(Capability.SPEECH), d.capabilities());
    assertEquals(List.of("flite"), d.models());
    assertEquals(Map.of("tts-1", "flite", "tts-1-hd", "flite"), d.aliases());
    assertEquals(Privacy.LOCAL, d.privacy());
    assertTrue(d.pricesFor("flite").isFree());
    assertEquals(2, d.concurrency(), "concurrency follows workers");
    assertEquals("flite", d.resolveModel("tts-1"));
  }

  @Test
  void aMissingEngineMakesTheBackendUnavailableWithTheReason() {
    BackendConfig missing = new BackendConfig(conf("no-flite").put("flite_path", "/nonexistent/flite"), System.getenv());
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> new LocalTtsProvider().create(vertx, missing));
    assertTrue(e.getMessage().startsWith("flite not installed: apt-get install flite"), e.getMessage());
    BackendConfig noEspeak = new BackendConfig(conf("no-espeak").put("engine", "espeak-ng").put("espeak_path", "/nonexistent/espeak-ng"),
      System.getenv());
    BackendUnavailableException e2 = assertThrows(BackendUnavailableException.class, () -> new LocalTtsProvider().create(vertx, noEspeak));
    assertTrue(e2.getMessage().startsWith("espeak-ng not installed: apt-get install espeak-ng"), e2.getMessage());
    BackendConfig badEngine = new BackendConfig(conf("bad").put("engine", "festival"), System.getenv());
    assertThrows(IllegalArgumentException.class, () -> new LocalTtsProvider().create(vertx, badEngine));
  }

  @Test
  void healthIsDownWithTheReasonWhenTheEngineDisappears(@TempDir Path dir) throws IOException {
    Path flite = dir.resolve("flite");
    Files.writeString(flite, "#!/bin/sh\nexec flite \"$@\"\n");
    Files.setPosixFilePermissions(flite, PosixFilePermissions.fromString("rwx------"));
    LocalTtsBackend b = TtsTestSupport.started(vertx, conf("vanishing").put("flite_path", flite.toString()));
    assertEquals(Health.UP, await(b.health()));
    Files.delete(flite);
    Health h = await(b.health());
    assertEquals(Health.Status.DOWN, h.status());
    assertTrue(h.reason().startsWith("flite not installed: apt-get install flite"), h.reason());
    await(b.stop());
  }

  @Test
  void voiceMapFromConfOverridesAndAConfVoiceMustExist() {
    LocalTtsBackend mapped = TtsTestSupport.started(vertx, conf("mapped").put("voice", "rms")
      .put("voice_map", new JsonObject().put("nova", "awb").put("robot", "kal16").put("ghost", "nosuchvoice")));
    assertEquals("awb", mapped.plan(request("Hi.", "nova", "wav", null)).voice());
    assertEquals("kal16", mapped.plan(request("Hi.", "Robot", "wav", null)).voice());
    assertEquals("rms", mapped.plan(request("Hi.", null, "wav", null)).voice());
    assertEquals("slt", mapped.plan(request("Hi.", "shimmer", "wav", null)).voice(), "defaults stay for unmapped names");
    MeshException ghost = assertThrows(MeshException.class, () -> mapped.plan(request("Hi.", "ghost", "wav", null)));
    assertEquals(ErrorCode.INVALID_REQUEST, ghost.errorCode());
    await(mapped.stop());

    LocalTtsBackend wrongVoice = (LocalTtsBackend) new LocalTtsProvider().create(vertx,
      new BackendConfig(conf("wrong").put("voice", "nosuchvoice"), System.getenv()));
    Throwable failure = wrongVoice.start().toCompletionStage().handle((v, t) -> t).toCompletableFuture().join();
    assertTrue(failure != null && failure.getMessage().contains("nosuchvoice"), String.valueOf(failure));
    await(wrongVoice.stop());
  }
}
