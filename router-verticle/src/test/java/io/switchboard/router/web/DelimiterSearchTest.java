package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The skipping delimiter search finds what a byte-by-byte search finds: the first match at or after the reader index,
 * before the writer index, in heap buffers (with an array offset) and direct ones, in data full of near-matches; and
 * it reads data that holds no match at all without looking at most of it.
 */
class DelimiterSearchTest {

  static byte[] delimiter(String boundary) {
    return ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
  }

  static int naive(byte[] data, int from, int to, byte[] needle) {
    for (int p = from; p <= to - needle.length; p++) {
      int i = 0;
      while (i < needle.length && data[p + i] == needle[i]) {
        i++;
      }
      if (i == needle.length) {
        return p;
      }
    }
    return -1;
  }

  /** Random data drawn from the delimiter's own bytes and a few others, with whole and cut delimiters planted. */
  static byte[] tricky(Random rnd, byte[] needle, int n) {
    byte[] data = new byte[n];
    for (int i = 0; i < n; i++) {
      data[i] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : needle[rnd.nextInt(needle.length)];
    }
    for (int k = n == 0 ? 0 : rnd.nextInt(4); k > 0; k--) {
      int at = rnd.nextInt(n);
      int len = Math.min(n - at, rnd.nextBoolean() ? needle.length : 1 + rnd.nextInt(needle.length));
      System.arraycopy(needle, 0, data, at, len);
    }
    return data;
  }

  @Test
  void findsWhatAByteByByteSearchFinds() {
    Random rnd = new Random(20);
    String[] boundaries = {"x", "ab", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "--", "a-a-a-a-a", "----bench0123456789abcdef"};
    for (int round = 0; round < 4000; round++) {
      byte[] needle = delimiter(boundaries[rnd.nextInt(boundaries.length)]);
      DelimiterSearch search = new DelimiterSearch(needle);
      byte[] data = tricky(rnd, needle, rnd.nextInt(300));
      int from = data.length == 0 ? 0 : rnd.nextInt(data.length + 1);
      int to = from + rnd.nextInt(data.length - from + 1);
      int expected = naive(data, from, to, needle);
      // A heap buffer seen through an array offset, and a direct one.
      byte[] padded = new byte[data.length + 7];
      System.arraycopy(data, 0, padded, 3, data.length);
      ByteBuf heap = Unpooled.wrappedBuffer(padded, 3, data.length).setIndex(from, to);
      assertTrue(heap.hasArray() && (data.length == 0 || heap.arrayOffset() == 3));
      assertEquals(expected, search.indexOf(heap), "heap, round " + round);
      ByteBuf direct = Unpooled.directBuffer(data.length).writeBytes(data).setIndex(from, to);
      assertEquals(expected, search.indexOf(direct), "direct, round " + round);
      direct.release();
    }
  }

  /**
   * Ranges long enough to be searched by four cursors side by side: a match planted anywhere (often where a quarter
   * ends and the next begins, and in more than one quarter, so the first must win), near-matches around it, or none.
   */
  @Test
  void longRangesSearchedSideBySideFindTheFirstMatch() {
    Random rnd = new Random(21);
    byte[] needle = delimiter("----bench0123456789abcdef0123456789abcdef");
    DelimiterSearch search = new DelimiterSearch(needle);
    for (int round = 0; round < 3000; round++) {
      int n = DelimiterSearch.SIDE_BY_SIDE * needle.length + rnd.nextInt(20_000);
      byte[] data = new byte[n];
      rnd.nextBytes(data);
      int from = rnd.nextInt(64);
      int to = n - rnd.nextInt(64);
      int quarter = (to - needle.length + 1 - from) / 4;
      for (int k = rnd.nextInt(4); k > 0; k--) {
        int at = rnd.nextBoolean() ? from + quarter * (1 + rnd.nextInt(3)) - needle.length + rnd.nextInt(2 * needle.length)
          : rnd.nextInt(n - needle.length);
        int len = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(needle.length - 1) : needle.length; // a cut one now and then
        System.arraycopy(needle, 0, data, Math.max(0, Math.min(at, n - needle.length)), len);
      }
      int expected = naive(data, from, to, needle);
      assertEquals(expected, search.indexOf(Unpooled.wrappedBuffer(data).setIndex(from, to)), "round " + round);
    }
  }

  @Test
  void aDelimiterWhoseFirstByteRecursIsStillFound() {
    byte[] needle = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    DelimiterSearch search = new DelimiterSearch(needle);
    ByteBuf in = Unpooled.wrappedBuffer("a\r\n\r\r\n\r\nb".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(4, search.indexOf(in));
  }

  @Test
  void findsAMatchAtTheVeryStartAndEnd() {
    byte[] needle = delimiter("bound");
    DelimiterSearch search = new DelimiterSearch(needle);
    assertEquals(0, search.indexOf(Unpooled.wrappedBuffer(needle)));
    byte[] data = new byte[100];
    System.arraycopy(needle, 0, data, 100 - needle.length, needle.length);
    assertEquals(100 - needle.length, search.indexOf(Unpooled.wrappedBuffer(data)));
    assertEquals(-1, search.indexOf(Unpooled.wrappedBuffer(data, 0, 99)));
  }
}
