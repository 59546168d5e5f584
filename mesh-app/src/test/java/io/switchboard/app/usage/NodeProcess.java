package io.switchboard.app.usage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Switchboard node in its own JVM, started as {@code ./mesh run --conf FILE} starts it ({@code Main}, the
 * project's JVM flags from mesh-app's surefire configuration, {@code conf/} defaults under an operator file) from the
 * test class path. Its output goes to {@code mesh-app/target/nodes/<name>.log}.
 */
final class NodeProcess implements AutoCloseable {

  private static final Pattern HTTP_PORT = Pattern.compile("HTTP API: http://127\\.0\\.0\\.1:(\\d+)/v1");

  private final String name;
  private final Process process;
  private final Path log;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static Path projectDir() {
    return Path.of(System.getProperty("switchboard.project.dir", "..")).toAbsolutePath().normalize();
  }

  static NodeProcess start(String name, Path conf, Map<String, String> env) throws IOException {
    Path dir = projectDir().resolve("mesh-app/target/nodes");
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    String flags = System.getProperty("switchboard.jvm.flags");
    if (flags == null || flags.isBlank()) {
      throw new IllegalStateException("system property switchboard.jvm.flags is not set (mesh-app's surefire configuration sets it)");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.stream(flags.trim().split("\\s+")).toList());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC",
      "-Dswitchboard.conf.dir=" + projectDir().resolve("conf"),
      "-Djava.util.logging.config.file=" + projectDir().resolve("conf/logging.properties"),
      "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
      "io.switchboard.app.Main", "run", "--conf", conf.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    pb.environment().putAll(env);
    return new NodeProcess(name, pb.start(), log);
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits for the start-up report and returns the HTTP port; fails with the node's output. */
  int awaitHttpPort(long timeoutMs) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      Matcher m = HTTP_PORT.matcher(output());
      if (output().contains("Switchboard node up") && m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " did not start within " + timeoutMs + " ms:\n" + output());
  }

  /** SIGKILL: the JVM dies at once; no shutdown hook, no flush. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
