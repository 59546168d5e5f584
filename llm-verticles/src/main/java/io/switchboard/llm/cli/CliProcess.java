package io.switchboard.llm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One child process and its three pipes, with blocking methods meant for worker threads (one per pipe, so a child
 * that writes before it has read all its input cannot deadlock us). No shell is involved: the argument list goes to
 * {@link ProcessBuilder} as is, and the environment is exactly the allowed map.
 */
final class CliProcess {

  private static final int STDERR_TAIL = 4096;

  private final Process process;
  private final byte[] stderrTail = new byte[STDERR_TAIL];
  private int stderrLength;
  private volatile boolean truncated;

  private CliProcess(Process process) {
    this.process = process;
  }

  static CliProcess start(List<String> argv, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().clear();
    pb.environment().putAll(env);
    return new CliProcess(pb.start());
  }

  long pid() {
    return process.pid();
  }

  /** Writes the whole prompt and closes stdin. A child that exits without reading it is not an error of ours. */
  void writeStdin(String prompt) {
    try (OutputStream in = process.getOutputStream()) {
      in.write(prompt.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // Broken pipe: the child closed stdin or exited; its exit status tells the story.
    }
  }

  /**
   * Reads stdout to its end, or to {@code maxBytes}: then the child is killed and {@link #truncated()} is true.
   * Text goes to {@code onText} decoded as UTF-8, a character split across reads kept whole.
   */
  void readStdout(long maxBytes, Consumer<String> onText) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    byte[] buf = new byte[8192];
    ByteBuffer in = ByteBuffer.allocate(buf.length + 8);
    CharBuffer out = CharBuffer.allocate(buf.length + 8);
    long total = 0;
    try (InputStream stdout = process.getInputStream()) {
      while (true) {
        int want = (int) Math.min(buf.length, maxBytes - total);
        if (want == 0) {
          // At the cap: one more byte says whether the answer was cut or merely ended there.
          if (stdout.read() >= 0) {
            truncated = true;
            kill();
          }
          break;
        }
        int n = stdout.read(buf, 0, want);
        if (n < 0) {
          break;
        }
        total += n;
        in.put(buf, 0, n).flip();
        decoder.decode(in, out, false);
        in.compact();
        emit(out, onText);
      }
      if (!truncated) {
        in.flip();
        decoder.decode(in, out, true);
        decoder.flush(out);
        emit(out, onText);
      }
    } catch (IOException e) {
      // The child was killed (timeout, cancel) while we read: the caller knows why.
    }
  }

  private static void emit(CharBuffer out, Consumer<String> onText) {
    out.flip();
    if (out.hasRemaining()) {
      onText.accept(out.toString());
    }
    out.clear();
  }

  /** Drains stderr, keeping its last few KB for the error message. */
  void drainStderr() {
    byte[] buf = new byte[1024];
    try (InputStream err = process.getErrorStream()) {
      int n;
      while ((n = err.read(buf)) >= 0) {
        synchronized (stderrTail) {
          if (n >= STDERR_TAIL) {
            System.arraycopy(buf, n - STDERR_TAIL, stderrTail, 0, STDERR_TAIL);
            stderrLength = STDERR_TAIL;
          } else {
            int keep = Math.min(stderrLength, STDERR_TAIL - n);
            System.arraycopy(stderrTail, stderrLength - keep, stderrTail, 0, keep);
            System.arraycopy(buf, 0, stderrTail, keep, n);
            stderrLength = keep + n;
          }
        }
      }
    } catch (IOException e) {
      // killed
    }
  }

  /** The last non-blank line the child wrote to stderr, at most {@code max} characters; empty when none. */
  String lastStderrLine(int max) {
    String text;
    synchronized (stderrTail) {
      text = new String(stderrTail, 0, stderrLength, StandardCharsets.UTF_8);
    }
    String[] lines = text.split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].strip();
      if (!line.isEmpty()) {
        return line.length() <= max ? line : line.substring(0, max) + "...";
      }
    }
    return "";
  }

  int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  boolean truncated() {
    return truncated;
  }

  /** Kills the child and everything it started; the children are listed first, before they are orphaned. */
  void kill() {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }
}
