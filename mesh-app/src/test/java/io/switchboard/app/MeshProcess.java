package io.switchboard.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Switchboard node in its own JVM, started the way {@code ./mesh run} starts it ({@link Main}, the project's
 * JVM flags, {@code conf/} defaults, an operator file) but from the test class path, so it runs what this build
 * compiled even before {@code package}. Its output goes to {@code target/nodes/<name>.log}.
 */
public final class MeshProcess implements AutoCloseable {

  private static final Pattern HTTP_PORT = Pattern.compile("HTTP API: http://127\\.0\\.0\\.1:(\\d+)/v1");
  private static final Pattern HEALTH_PORT = Pattern.compile("health: http://127\\.0\\.0\\.1:(\\d+)/health/ready");

  final String name;
  final Process process;
  final Path log;
  final long startedAtMs;

  private MeshProcess(String name, Process process, Path log, long startedAtMs) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startedAtMs = startedAtMs;
  }

  static Path projectDir() {
    return Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath().normalize();
  }

  /** Starts {@code Main run <args>} with the given extra environment. */
  public static MeshProcess start(String name, List<String> args, Map<String, String> env) throws IOException {
    Path dir = projectDir().resolve("mesh-app/target/nodes");
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String flags = System.getProperty("switchboard.jvm.flags");
    if (flags == null || flags.isBlank()) {
      throw new IllegalStateException("system property switchboard.jvm.flags is not set (mesh-app's surefire configuration sets it)");
    }
    cmd.addAll(Arrays.stream(flags.trim().split("\\s+")).toList());
    // Small, quick-starting JVMs: several share two cores with the test.
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Dswitchboard.conf.dir=" + projectDir().resolve("conf"),
      "-Djava.util.logging.config.file=" + projectDir().resolve("conf/logging.properties"),
      "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
      Main.class.getName(), "run"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    pb.environment().putAll(env);
    return new MeshProcess(name, pb.start(), log, System.currentTimeMillis());
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for the start-up report; fails with the node's output if it exits or takes too long. */
  void awaitUp(long timeoutMs) throws InterruptedException {
    awaitOutput(timeoutMs, out -> out.contains("Switchboard node up"));
  }

  /** Waits for the start-up report with its HTTP port and returns the port; fails like {@link #awaitUp}. */
  public int awaitHttpPort(long timeoutMs) throws InterruptedException {
    awaitOutput(timeoutMs, out -> out.contains("Switchboard node up") && HTTP_PORT.matcher(out).find());
    return httpPort();
  }

  /** Polls the log (a child process's file: nothing calls the test back on it) until {@code done} holds. */
  private void awaitOutput(long timeoutMs, Predicate<String> done) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      if (done.test(output())) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " did not start within " + timeoutMs + " ms:\n" + output());
  }

  int httpPort() {
    return port(HTTP_PORT);
  }

  int healthPort() {
    return port(HEALTH_PORT);
  }

  private int port(Pattern p) {
    Matcher m = p.matcher(output());
    if (!m.find()) {
      throw new AssertionError(name + " printed no such port:\n" + output());
    }
    return Integer.parseInt(m.group(1));
  }

  /** SIGTERM (the JVM runs its shutdown hooks). */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL: the process dies at once, nothing runs. */
  public void kill() {
    process.destroyForcibly();
  }

  /** Waits for the exit; returns the exit code, or fails with the output. */
  public int awaitExit(long timeoutMs) throws InterruptedException {
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeoutMs + " ms:\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
