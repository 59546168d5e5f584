package io.switchboard.core.models;

import io.switchboard.core.process.StreamDrain;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an installer tool (npm, tar) as an argument list, never through a shell, with a timeout, keeping the tail
 * of its merged output for error messages and printing a heartbeat while it works so a long download does not
 * look like a hang.
 */
final class ToolProcess {

  /** What the tool did: its exit status (-1 when killed on timeout) and the end of its output. */
  record Result(int exit, String outputTail) {
    boolean ok() {
      return exit == 0;
    }

    /** The most telling line of the output: an error with its reason, else an error code, else the last line. */
    String diagnosis() {
      List<String> lines = new ArrayList<>();
      for (String line : outputTail.split("\\R")) {
        String l = line.strip().replaceFirst("^npm (error|ERR!)\\s*", "");
        if (!l.isEmpty() && !l.startsWith("A complete log") && !l.startsWith("at ")) {
          lines.add(l);
        }
      }
      String pick = lines.stream().filter(l -> l.contains("Error:") || l.contains("reason:")).findFirst()
        .or(() -> lines.stream().filter(l -> l.startsWith("code ")).findFirst())
        .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
      return pick.length() > 300 ? pick.substring(0, 300) + "..." : pick;
    }
  }

  private ToolProcess() {
  }

  /**
   * Runs {@code command} in {@code dir}. Throws {@link IOException} when the executable cannot be started
   * (not installed).
   */
  static Result run(List<String> command, Path dir, Map<String, String> extraEnv, long timeoutMs, PrintStream progress,
                    String activity) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    p.getOutputStream().close();
    StreamDrain out = StreamDrain.start(p.getInputStream(), "", 8192, 16384);
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!p.waitFor(5, TimeUnit.SECONDS)) {
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        out.await(1000);
        return new Result(-1, out.text() + "\n" + command.get(0) + " timed out after " + timeoutMs / 1000 + " s");
      }
      if (progress != null) {
        progress.printf("        ... %s, %d s%n", activity, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
      }
    }
    out.await(5000);
    return new Result(p.exitValue(), out.text());
  }
}
