package io.switchboard.core.process;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A child process's stream read to its end, keeping all of it or its end. */
class StreamDrainTest {

  private static byte[] numbered(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; s.length() < n; i++) {
      s.append(i).append('\n');
    }
    return s.substring(0, n).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] last(byte[] all, int n) {
    byte[] tail = new byte[n];
    System.arraycopy(all, all.length - n, tail, 0, n);
    return tail;
  }

  @Test
  void keepsEverythingUnderTheLimit() throws Exception {
    byte[] all = numbered(100_000);
    assertArrayEquals(all, StreamDrain.start(new ByteArrayInputStream(all), "t", Integer.MAX_VALUE).await());
  }

  @Test
  void keepsExactlyTheLastBytesOfALongStream() throws Exception {
    byte[] all = numbered(100_000);
    assertArrayEquals(last(all, 2048), StreamDrain.start(new ByteArrayInputStream(all), "t", 2048).await());
  }

  @Test
  void withAMarginKeepsBetweenKeepAndTrimAboveAndAlwaysTheEnd() throws Exception {
    byte[] all = numbered(100_000);
    byte[] kept = StreamDrain.start(new ByteArrayInputStream(all), "t", 4096, 8192).await();
    assertTrue(kept.length >= 4096 && kept.length <= 8192, kept.length + " bytes");
    assertArrayEquals(last(all, kept.length), kept);
    assertThrows(IllegalArgumentException.class, () -> StreamDrain.start(new ByteArrayInputStream(all), "t", 10, 5));
  }

  @Test
  void aStreamThatBreaksKeepsWhatWasRead() throws Exception {
    InputStream breaking = new InputStream() {
      private int given;

      @Override
      public int read() throws IOException {
        if (given == 5) {
          throw new IOException("process killed");
        }
        return "error".charAt(given++);
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (given == 5) {
          throw new IOException("process killed");
        }
        b[off] = (byte) "error".charAt(given++);
        return 1;
      }
    };
    StreamDrain drain = StreamDrain.start(breaking, "t", 2048);
    drain.await(5_000);
    assertEquals("error", drain.text());
  }
}
