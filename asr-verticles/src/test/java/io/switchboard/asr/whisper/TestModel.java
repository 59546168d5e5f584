package io.switchboard.asr.whisper;

import io.switchboard.core.backend.BackendConfig;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;

/**
 * The real model for the tests: found where the launcher installs it ({@link WhisperModels#defaultModelsDir()},
 * i.e. SWITCHBOARD_MODELS_DIR or ~/.cache/switchboard/models) and pulled there when missing, so the suite runs
 * the same on a fresh machine as after {@code ./mesh models pull whisper-tiny.en}.
 */
final class TestModel {

  private static Path path;

  private TestModel() {
  }

  static synchronized Path path() {
    if (path == null) {
      path = WhisperModels.pull(WhisperModels.DEFAULT_MODEL, WhisperModels.defaultModelsDir(), System.out);
    }
    return path;
  }

  static Path modelsDir() {
    return path().getParent().getParent();
  }

  /** A backend conf entry using the installed model, with {@code extra} merged over the defaults. */
  static BackendConfig conf(String id, JsonObject extra) {
    JsonObject json = new JsonObject().put("id", id).put("type", LocalWhisperBackend.TYPE)
      .put("models_dir", modelsDir().toString()).mergeIn(extra);
    return new BackendConfig(json, Map.of());
  }
}
