package io.switchboard.asr.whisper;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Privacy;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conf to backend: descriptor, missing models, model choice by duration, health, and discovery by the deployer. */
class LocalWhisperProviderTest {

  @TempDir
  Path dir;
  Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private BackendConfig conf(JsonObject json) {
    return new BackendConfig(json.put("id", "local-asr").put("type", "local-whisper"), Map.of());
  }

  @Test
  void aMissingModelStopsTheBackendWithTheCommandThatInstallsIt() {
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
      () -> new LocalWhisperProvider().create(vertx, conf(new JsonObject().put("models_dir", dir.toString()))));
    assertEquals("model not installed: run ./mesh models pull whisper-tiny.en", e.getMessage());
    BackendUnavailableException custom = assertThrows(BackendUnavailableException.class,
      () -> new LocalWhisperProvider().create(vertx, conf(new JsonObject().put("model_path", dir.resolve("x.onnx").toString()))));
    assertTrue(custom.getMessage().startsWith("model not installed: no Whisper ONNX file at "), custom.getMessage());
  }

  @Test
  void theDeployerFindsTheProviderAndReportsTheReason() throws Exception {
    BackendDeployer deployer = new BackendDeployer(vertx, Map.of("SWITCHBOARD_MODELS_DIR", dir.toString()));
    var outcomes = deployer.deployAll(new JsonArray().add(new JsonObject().put("id", "local-asr").put("type", "local-whisper")),
      Set.of(), new JsonObject()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(1, outcomes.size());
    assertFalse(outcomes.get(0).started());
    assertEquals("model not installed: run ./mesh models pull whisper-tiny.en", outcomes.get(0).reason());
  }

  @Test
  void descriptorIsLocalFreeAndAnswersToWhisper1() {
    LocalWhisperBackend backend = (LocalWhisperBackend) new LocalWhisperProvider().create(vertx,
      TestModel.conf("local-asr", new JsonObject().put("workers", 3)));
    BackendDescriptor d = backend.descriptor();
    assertEquals("local-whisper", d.type());
    assertEquals(Set.of(Capability.TRANSCRIBE), d.capabilities());
    assertEquals(Privacy.LOCAL, d.privacy());
    assertEquals(List.of("whisper-tiny.en"), d.models());
    assertEquals("whisper-tiny.en", d.resolveModel("whisper-1"));
    assertTrue(d.pricesFor("whisper-tiny.en").isFree());
    assertEquals(3, d.concurrency());
  }

  @Test
  void modelsAreChosenByDurationAmongThoseInstalled() throws Exception {
    Path models = dir.resolve("models");
    for (String name : List.of("whisper-tiny.en", "whisper-base.en")) {
      Files.createDirectories(models.resolve(name));
      Files.createSymbolicLink(WhisperModels.modelFile(models, name), TestModel.path());
    }
    JsonArray ranges = new JsonArray()
      .add(new JsonObject().put("max_seconds", 5).put("model", "whisper-tiny.en"))
      .add(new JsonObject().put("max_seconds", 600).put("model", "whisper-small.en"))
      .add(new JsonObject().put("model", "whisper-base.en"));
    LocalWhisperBackend backend = (LocalWhisperBackend) new LocalWhisperProvider().create(vertx,
      conf(new JsonObject().put("models_dir", models.toString()).put("models_by_duration", ranges)));
    assertEquals(List.of("whisper-tiny.en", "whisper-base.en"), backend.descriptor().models(), "small.en is not installed");
    backend.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    try {
      assertEquals("whisper-tiny.en", transcribe(backend, 3).getString("model"));
      assertEquals("whisper-base.en", transcribe(backend, 8).getString("model"));
      assertEquals(Health.UP, backend.health().toCompletionStage().toCompletableFuture().get());
    } finally {
      backend.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void healthIsDownWithTheReasonWhenTheModelIsNotThere() throws Exception {
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("whisper-tiny.en"));
    Path link = Files.createSymbolicLink(WhisperModels.modelFile(models, "whisper-tiny.en"), TestModel.path());
    LocalWhisperBackend backend = (LocalWhisperBackend) new LocalWhisperProvider().create(vertx,
      conf(new JsonObject().put("models_dir", models.toString())));
    Files.delete(link);
    Health h = backend.health().toCompletionStage().toCompletableFuture().get();
    assertEquals(Health.Status.DOWN, h.status());
    assertEquals("model not installed: run ./mesh models pull whisper-tiny.en", h.reason());
    assertThrows(Exception.class, () -> backend.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void aFileThatIsNotAWhisperExportIsRefusedAtStart() throws Exception {
    Path bogus = Files.write(dir.resolve("bogus.onnx"), new byte[]{1, 2, 3, 4});
    LocalWhisperBackend backend = (LocalWhisperBackend) new LocalWhisperProvider().create(vertx,
      conf(new JsonObject().put("model_path", bogus.toString())));
    Exception e = assertThrows(Exception.class, () -> backend.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().startsWith("cannot load Whisper model " + bogus), e.getCause().getMessage());
  }

  private static JsonObject transcribe(LocalWhisperBackend backend, double seconds) throws Exception {
    float[] tone = new float[(int) (seconds * 16000)];
    for (int i = 0; i < tone.length; i++) {
      tone[i] = (float) (0.2 * Math.sin(2 * Math.PI * 220 * i / 16000));
    }
    return backend.transcribe(TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1")),
      Buffer.buffer(WavWriter.pcm16(tone, 16000)), new CallContext("r", null, System.currentTimeMillis() + 60_000))
      .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
