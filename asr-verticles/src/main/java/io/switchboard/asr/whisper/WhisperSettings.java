package io.switchboard.asr.whisper;

import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code local-whisper} conf entry, read once with its defaults beside each key:
 * <pre>
 * model: whisper-tiny.en          # a folder under the models dir holding model.onnx
 * model_path: /path/model.onnx    # or an explicit file (overrides model)
 * models_by_duration:             # or one model per audio length: first range with max_seconds >= duration, else the last
 *   - {max_seconds: 600, model: whisper-tiny.en}
 *   - {model: whisper-base.en}
 * models_dir: ...                 # default: SWITCHBOARD_MODELS_DIR, else ~/.cache/switchboard/models
 * workers: 1                      # requests decoded and transcribed at once
 * intra_op_threads: 2             # ONNX Runtime threads per request
 * beams: 1                        # beam width (1 = greedy, fastest)
 * languages: [en]                 # what the model transcribes; other requested languages are refused
 * max_audio_seconds: 1800         # longer audio: 413
 * max_bytes: 104857600            # larger uploads: 413
 * ffmpeg: ffmpeg                  # decoder for mp3/m4a/ogg/webm/flac
 * ffmpeg_timeout_ms: 120000
 * cut_search_seconds: 5           # how far before each 30 s limit a window cut may move to find a pause
 * </pre>
 * Models whose file is missing are left out of {@code models_by_duration}; with none left the backend cannot
 * start and says which command installs the model.
 */
record WhisperSettings(List<ModelRange> models, int workers, int intraOpThreads, int beams, List<String> languages,
                       double maxAudioSeconds, long maxBytes, String ffmpeg, long ffmpegTimeoutMs, double cutSearchSeconds) {

  /** A model used for audio up to {@code maxSeconds} long (infinite for the catch-all). */
  record ModelRange(double maxSeconds, String name, Path path) {
  }

  static WhisperSettings fromConf(BackendConfig conf) {
    JsonObject json = conf.json();
    Path modelsDir = modelsDir(conf);
    List<ModelRange> ranges = ranges(json, modelsDir);
    List<String> languages = new ArrayList<>();
    json.getJsonArray("languages", new JsonArray().add("en")).forEach(l -> languages.add(String.valueOf(l).toLowerCase(Locale.ROOT)));
    int workers = positive(json, "workers", 1);
    return new WhisperSettings(ranges, workers, positive(json, "intra_op_threads", 2), positive(json, "beams", 1),
      List.copyOf(languages), json.getDouble("max_audio_seconds", 1800d), json.getLong("max_bytes", 100L * 1024 * 1024),
      json.getString("ffmpeg", "ffmpeg"), json.getLong("ffmpeg_timeout_ms", 120_000L), json.getDouble("cut_search_seconds", 5d));
  }

  /** The model for audio of {@code seconds}: the first range that covers it, else the last. */
  ModelRange modelFor(double seconds) {
    for (ModelRange r : models) {
      if (seconds <= r.maxSeconds()) {
        return r;
      }
    }
    return models.get(models.size() - 1);
  }

  static Path modelsDir(BackendConfig conf) {
    String dir = conf.json().getString("models_dir");
    if (dir == null) {
      dir = conf.env("SWITCHBOARD_MODELS_DIR");
    }
    return dir == null ? WhisperModels.defaultModelsDir() : Path.of(dir);
  }

  private static List<ModelRange> ranges(JsonObject json, Path modelsDir) {
    JsonArray byDuration = json.getJsonArray("models_by_duration");
    if (byDuration == null || byDuration.isEmpty()) {
      ModelRange only = range(json, modelsDir, Double.POSITIVE_INFINITY);
      requireInstalled(only);
      return List.of(only);
    }
    List<ModelRange> installed = new ArrayList<>();
    ModelRange firstMissing = null;
    for (int i = 0; i < byDuration.size(); i++) {
      if (!(byDuration.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException("models_by_duration[" + i + "] must be an object {max_seconds, model}");
      }
      double max = i == byDuration.size() - 1 && !entry.containsKey("max_seconds")
        ? Double.POSITIVE_INFINITY : entry.getDouble("max_seconds", Double.POSITIVE_INFINITY);
      ModelRange r = range(entry, modelsDir, max);
      if (Files.isRegularFile(r.path())) {
        installed.add(r);
      } else if (firstMissing == null) {
        firstMissing = r;
      }
    }
    if (installed.isEmpty()) {
      requireInstalled(firstMissing);
    }
    return List.copyOf(installed);
  }

  private static ModelRange range(JsonObject entry, Path modelsDir, double maxSeconds) {
    String path = entry.getString("model_path");
    String name = entry.getString("model");
    if (path != null) {
      Path p = Path.of(path);
      return new ModelRange(maxSeconds, name != null ? name : p.getFileName().toString().replaceFirst("\\.onnx$", ""), p);
    }
    name = name == null ? WhisperModels.DEFAULT_MODEL : name;
    return new ModelRange(maxSeconds, name, WhisperModels.modelFile(modelsDir, name));
  }

  private static void requireInstalled(ModelRange r) {
    if (!Files.isRegularFile(r.path())) {
      throw new BackendUnavailableException(missingReason(r.name(), r.path()));
    }
  }

  /** The health/refusal reason for a model file that is not there, with the command that fixes it when there is one. */
  static String missingReason(String name, Path path) {
    return WhisperModels.spec(name) != null
      ? "model not installed: run ./mesh models pull " + name
      : "model not installed: no Whisper ONNX file at " + path;
  }

  private static int positive(JsonObject json, String key, int fallback) {
    int v = json.getInteger(key, fallback);
    if (v < 1) {
      throw new IllegalArgumentException("'" + key + "' must be at least 1, got " + v);
    }
    return v;
  }
}
