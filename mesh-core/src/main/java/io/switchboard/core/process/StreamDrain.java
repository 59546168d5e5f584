package io.switchboard.core.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads a child process's output stream to its end on a virtual thread (a full pipe would otherwise stall the
 * process), keeping its end: stdout whole, or the last bytes of stderr for an error message. Used by every place that
 * runs a tool (ffmpeg, the speech engines, npm). Readable from any thread at any time.
 */
public final class StreamDrain {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final int keep;
  private final int trimAbove;
  private final Thread thread;

  private StreamDrain(InputStream stream, String name, int keep, int trimAbove) {
    this.keep = keep;
    this.trimAbove = trimAbove;
    this.thread = Thread.ofVirtual().name(name).start(() -> pump(stream));
  }

  /** Keeps at most the last {@code limit} bytes ({@link Integer#MAX_VALUE}: all of them). */
  public static StreamDrain start(InputStream stream, String name, int limit) {
    return new StreamDrain(stream, name, limit, limit);
  }

  /**
   * Keeps the last {@code keep} bytes once more than {@code trimAbove} have gathered: what is read lies between the two,
   * and the buffer is cut once per {@code trimAbove - keep} bytes instead of on every read.
   */
  public static StreamDrain start(InputStream stream, String name, int keep, int trimAbove) {
    if (keep > trimAbove) {
      throw new IllegalArgumentException("keep " + keep + " > trimAbove " + trimAbove);
    }
    return new StreamDrain(stream, name, keep, trimAbove);
  }

  private void pump(InputStream stream) {
    byte[] buf = new byte[8192];
    try (stream) {
      int n;
      while ((n = stream.read(buf)) >= 0) {
        synchronized (bytes) {
          bytes.write(buf, 0, n);
          if (bytes.size() > trimAbove) {
            byte[] all = bytes.toByteArray();
            bytes.reset();
            bytes.write(all, all.length - keep, keep);
          }
        }
      }
    } catch (IOException e) {
      // The stream closed because the process died or was killed: what was read so far is all there is.
    }
  }

  /** Everything kept, once the stream has ended. */
  public byte[] await() throws InterruptedException {
    thread.join();
    return bytes();
  }

  /** Waits at most {@code ms} for the stream to end (a killed process's grandchild may hold it open). */
  public void await(long ms) throws InterruptedException {
    thread.join(ms);
  }

  /** What is kept now. */
  public byte[] bytes() {
    synchronized (bytes) {
      return bytes.toByteArray();
    }
  }

  /** What is kept now, as UTF-8. */
  public String text() {
    synchronized (bytes) {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
