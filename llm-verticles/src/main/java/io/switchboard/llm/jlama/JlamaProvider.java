package io.switchboard.llm.jlama;

import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds {@code type: jlama} backends (see {@link JlamaSettings} for the conf; {@code models_dir} overrides the
 * models folder). A model folder that is not there
 * makes the backend unavailable with the command that fetches it, so the others start anyway.
 */
public final class JlamaProvider implements BackendProvider {

  @Override
  public String type() {
    return "jlama";
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig config) {
    String dir = config.json().getString("models_dir", config.env("SWITCHBOARD_MODELS_DIR"));
    Path modelsDir = dir != null ? Path.of(dir) : JlamaModels.modelsDir(Map.of());
    JlamaSettings settings = JlamaSettings.from(config, modelsDir);
    if (!Files.isDirectory(settings.modelDir())) {
      String hint = config.json().getString("model_path") != null ? "fix model_path"
        : "run ./mesh models pull " + settings.modelName() + " (or copy the model folder there)";
      throw new BackendUnavailableException("model folder " + settings.modelDir() + " not found: " + hint);
    }
    routeMaxQueueToVerticle(config.json());
    return new JlamaBackend(vertx, settings);
  }

  /**
   * The queue bound lives in the BackendVerticle, which reads its settings from the entry's {@code verticle} object;
   * a top-level {@code max_queue} is the documented spelling for Jlama, so it is copied there unless already set.
   */
  private static void routeMaxQueueToVerticle(JsonObject json) {
    Integer maxQueue = json.getInteger("max_queue");
    if (maxQueue == null) {
      return;
    }
    JsonObject verticle = json.getJsonObject("verticle");
    if (verticle == null) {
      verticle = new JsonObject();
      json.put("verticle", verticle);
    }
    if (!verticle.containsKey("max_queue")) {
      verticle.put("max_queue", maxQueue);
    }
  }
}
