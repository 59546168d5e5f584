package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.process.StreamDrain;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decodes compressed audio (MP3, AAC/M4A, Ogg/Opus/Vorbis, FLAC, WebM, AIFF, exotic WAV codecs) by running the
 * {@code ffmpeg} executable: an argument list (no shell), the upload on stdin, 32-bit float mono samples at the
 * requested rate on stdout. MP4 goes through a temporary file because its index may sit at the end of the file,
 * which ffmpeg cannot reach on a pipe.
 *
 * <p>Bounded on every side: a wall-clock timeout kills the process; output beyond {@code maxSeconds} stops the
 * read and is refused (a small file may expand enormously); stderr keeps only its tail, which is logged at
 * DEBUG and whose last line (paths removed) goes into the error message. Blocking: call it off the event loop.
 */
public final class FfmpegDecoder {

  private static final System.Logger LOG = System.getLogger(FfmpegDecoder.class.getName());
  private static final int STDERR_TAIL = 4096;

  private final String executable;
  private final long timeoutMs;

  /**
   * @param executable the ffmpeg command ({@code ffmpeg} from the PATH, or a path)
   * @param timeoutMs  the most one decode may take
   */
  public FfmpegDecoder(String executable, long timeoutMs) {
    this.executable = executable;
    this.timeoutMs = timeoutMs;
  }

  /** Decodes {@code input} (sniffed as {@code container}) to mono at {@code rate} Hz, at most {@code maxSeconds} long. */
  public PcmAudio decode(byte[] input, Container container, int rate, double maxSeconds) {
    Path temp = null;
    try {
      if (container == Container.MP4) {
        temp = Files.createTempFile("switchboard-audio-", ".mp4");
        Files.write(temp, input);
      }
      return run(input, temp, container, rate, maxSeconds);
    } catch (IOException e) {
      throw new MeshException(ErrorCode.INTERNAL, "could not stage the audio for ffmpeg (" + e.getClass().getSimpleName() + ")");
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "could not delete {0}", temp);
        }
      }
    }
  }

  private PcmAudio run(byte[] input, Path file, Container container, int rate, double maxSeconds) {
    List<String> cmd = new ArrayList<>(List.of(executable, "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "1",
      "-i", file == null ? "pipe:0" : file.toString(),
      "-vn", "-t", Long.toString((long) Math.ceil(maxSeconds) + 1), "-f", "f32le", "-ac", "1", "-ar", Integer.toString(rate), "pipe:1"));
    Process process;
    try {
      process = new ProcessBuilder(cmd).start();
    } catch (IOException e) {
      throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, container.label() + " audio needs ffmpeg, which is not installed on"
        + " this host (install the ffmpeg package, or send WAV or raw μ-law audio)", "file");
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    Thread.ofVirtual().start(() -> feed(process, file == null ? input : null));
    StreamDrain stderr = StreamDrain.start(process.getErrorStream(), "", STDERR_TAIL, 2 * STDERR_TAIL);
    Thread.ofVirtual().start(() -> watchdog(process, timedOut));
    long maxSamples = (long) Math.ceil(maxSeconds * rate);
    float[] samples;
    try {
      samples = readFloats(process.getInputStream(), maxSamples, container, maxSeconds, process);
      process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
      stderr.await(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new MeshException(ErrorCode.CANCELLED, "audio decoding was interrupted");
    } catch (IOException e) {
      process.destroyForcibly();
      throw new MeshException(ErrorCode.INTERNAL, "reading ffmpeg's output failed (" + e.getClass().getSimpleName() + ")");
    } finally {
      process.destroyForcibly();
    }
    String tail = stderr.text();
    if (!tail.isBlank()) {
      LOG.log(System.Logger.Level.DEBUG, "ffmpeg stderr ({0}): {1}", container.label(), tail);
    }
    if (timedOut.get()) {
      throw new MeshException(ErrorCode.TIMEOUT, "ffmpeg did not finish decoding the " + container.label() + " audio within "
        + timeoutMs / 1000.0 + " s");
    }
    int exit = process.exitValue();
    if (exit != 0) {
      throw new MeshException(ErrorCode.INVALID_REQUEST, "ffmpeg could not decode the " + container.label() + " audio (exit "
        + exit + "): " + lastLine(tail, file), "file");
    }
    if (samples.length == 0) {
      throw new MeshException(ErrorCode.INVALID_REQUEST, "the " + container.label() + " file holds no audio samples", "file");
    }
    return new PcmAudio(samples, rate);
  }

  private static float[] readFloats(InputStream in, long maxSamples, Container container, double maxSeconds, Process process)
    throws IOException {
    float[] out = new float[16_000];
    int count = 0;
    byte[] buf = new byte[64 * 1024];
    int carry = 0;
    int n;
    while ((n = in.read(buf, carry, buf.length - carry)) >= 0) {
      int avail = carry + n;
      int whole = avail / 4;
      if (count + (long) whole > maxSamples) {
        process.destroyForcibly();
        throw new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "the " + container.label() + " audio is longer than the "
          + formatSeconds(maxSeconds) + " s this backend accepts", "file");
      }
      if (count + whole > out.length) {
        out = java.util.Arrays.copyOf(out, (int) Math.min(Math.max(out.length * 2L, count + whole), Integer.MAX_VALUE - 8));
      }
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, whole * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < whole; i++) {
        float v = bb.getFloat();
        out[count++] = Float.isFinite(v) ? Math.max(-1f, Math.min(1f, v)) : 0f;
      }
      carry = avail - whole * 4;
      System.arraycopy(buf, whole * 4, buf, 0, carry);
    }
    return java.util.Arrays.copyOf(out, count);
  }

  private static void feed(Process process, byte[] input) {
    try (OutputStream os = process.getOutputStream()) {
      if (input != null) {
        os.write(input);
      }
    } catch (IOException e) {
      // ffmpeg stopped reading (it failed, or it had enough): its exit status tells the story.
    }
  }

  private void watchdog(Process process, AtomicBoolean timedOut) {
    try {
      if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        timedOut.set(true);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
    }
  }

  /** The last non-blank stderr line, without file paths (they say nothing to the caller and leak host layout). */
  private static String lastLine(String tail, Path file) {
    String[] lines = tail.strip().split("\\R");
    String line = lines.length == 0 || lines[lines.length - 1].isBlank() ? "no diagnostic" : lines[lines.length - 1].strip();
    if (file != null) {
      line = line.replace(file.toString(), "input");
    }
    line = line.replace("pipe:0", "input");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  static String formatSeconds(double s) {
    return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
  }
}
