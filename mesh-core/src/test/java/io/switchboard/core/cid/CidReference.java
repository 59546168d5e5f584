package io.switchboard.core.cid;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference implementation the CID and CAR tests compare against: {@code ipfs-unixfs-importer@17},
 * {@code multiformats@14} and {@code @ipld/car@5} from the npm registry, installed on first use into
 * {@code mesh-core/target/cid-reference} (the build's own folder; nothing is committed but the script and its
 * {@code package.json}), and run with node. Needs {@code node} and {@code npm} on the PATH ({@code .ci/run} installs
 * them); without them the tests fail saying so, never skip.
 */
public final class CidReference {

  /** mesh-core's own folder: the working directory of its tests, or its sibling for another module's (mesh-app's). */
  private static final Path MODULE = Files.isDirectory(Path.of("src/test/cid-reference")) ? Path.of("") : Path.of("../mesh-core");
  private static final Path SOURCE = MODULE.resolve("src/test/cid-reference");
  private static final Path HOME = MODULE.resolve("target/cid-reference");
  private static boolean installed;

  private CidReference() {
  }

  /** What the importer says about {@code file}: {@code {"cid", "blocks": [every block's CID]}}. */
  public static JsonObject cid(Path file) {
    return run("cid", file.toAbsolutePath().toString());
  }

  /** What @ipld/car and the importer say about a CAR export of {@code file}. */
  public static JsonObject car(Path car, Path file) {
    return run("car", car.toAbsolutePath().toString(), file.toAbsolutePath().toString());
  }

  private static JsonObject run(String... args) {
    install();
    List<String> command = new java.util.ArrayList<>(List.of("node", HOME.resolve("cid-reference.mjs").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return new JsonObject(exec(command, HOME.getParent(), 300));
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      Files.createDirectories(HOME);
      Path manifest = SOURCE.resolve("package.json");
      boolean same = Files.exists(HOME.resolve("package.json"))
        && Files.mismatch(manifest, HOME.resolve("package.json")) == -1
        && Files.isDirectory(HOME.resolve("node_modules/ipfs-unixfs-importer"))
        && Files.isDirectory(HOME.resolve("node_modules/@ipld/car"))
        && Files.isDirectory(HOME.resolve("node_modules/multiformats"));
      Files.copy(SOURCE.resolve("cid-reference.mjs"), HOME.resolve("cid-reference.mjs"), StandardCopyOption.REPLACE_EXISTING);
      if (!same) {
        Files.copy(manifest, HOME.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        exec(List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"), HOME, 600);
      }
      installed = true;
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + HOME + ": " + e.getMessage(), e);
    }
  }

  private static String exec(List<String> command, Path dir, int timeoutSeconds) {
    try {
      Path err = Files.createTempFile("cid-reference", ".err");
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile()).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
      }
      String stderr = Files.readString(err);
      Files.deleteIfExists(err);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + stderr);
      }
      return new String(out, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + " (the CID tests need node and npm: apt-get install -y npm): "
        + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
