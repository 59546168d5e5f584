package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.process.StreamDrain;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one engine process to completion on the calling (worker) thread: an argument list, never a shell, so text
 * cannot become a command; stdin fed, stdout and stderr drained on virtual threads (a full pipe would otherwise
 * stall the engine), a hard timeout, and the process killed when the request is cancelled.
 */
final class EngineProcess {

  /** Bytes of stderr kept for an error message: the end of it says what went wrong. */
  private static final int STDERR_TAIL = 2048;

  private EngineProcess() {
  }

  /**
   * Runs {@code command} and returns its stdout.
   *
   * @throws MeshException TIMEOUT after {@code timeoutMs}, CANCELLED when cancelled, INTERNAL on a non-zero exit
   */
  static byte[] run(List<String> command, byte[] stdin, long timeoutMs, Cancellation cancellation) {
    cancellation.check();
    String program = command.get(0);
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new MeshException(ErrorCode.UNAVAILABLE, "cannot start " + program + ": " + e.getMessage());
    }
    cancellation.attach(process);
    try {
      StreamDrain out = StreamDrain.start(process.getInputStream(), "local-tts-drain", Integer.MAX_VALUE);
      StreamDrain err = StreamDrain.start(process.getErrorStream(), "local-tts-drain", STDERR_TAIL);
      feed(process, stdin);
      boolean exited = process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
      if (!exited) {
        process.destroyForcibly();
        cancellation.check();
        throw new MeshException(ErrorCode.TIMEOUT, program + " did not finish within " + timeoutMs + " ms");
      }
      cancellation.check();
      byte[] stdout = out.await();
      if (process.exitValue() != 0) {
        throw new MeshException(ErrorCode.INTERNAL, program + " failed (exit " + process.exitValue() + "): " + message(err));
      }
      return stdout;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new MeshException(ErrorCode.INTERNAL, program + " interrupted");
    } finally {
      cancellation.detach(process);
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  /** Writes stdin on a virtual thread, so an engine that stops reading cannot outlive the timeout. */
  private static void feed(Process process, byte[] stdin) {
    Thread.ofVirtual().name("local-tts-feed").start(() -> {
      try (OutputStream in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin);
        }
      } catch (IOException e) {
        // The engine closed its input early (it died or was killed): its exit status tells the story.
      }
    });
  }

  /** The end of an engine's stderr for an error message, once the stream has ended. */
  static String message(StreamDrain stderr) throws InterruptedException {
    String s = new String(stderr.await(), StandardCharsets.UTF_8).strip();
    return s.isEmpty() ? "(no message)" : s;
  }
}
