package io.switchboard.router.web;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Finds a multipart delimiter ({@code CRLF "--" boundary}) in a part's data by Horspool's rule: each window of the
 * delimiter's length is first judged by its last byte, and moved on by how far that byte is from the delimiter's end
 * (the whole length for a byte the delimiter does not hold). A file's bytes are mostly skipped rather than read: with
 * the bench's 45-byte delimiter, one byte in 44 of its 960 KB WAV is looked at (one in 43 of random bytes), where the
 * scan for every CR before read all of them (13 % of the receiving event loop's samples on a cached transcription, in
 * a perf profile of bench/cid.sh).
 *
 * <p>It stays linear whatever a client sends: a window whose last byte matches is compared from its start, and since
 * the delimiter's first byte (CR) occurs nowhere else in it (a boundary holds no CR: HTTP headers cannot carry one), two
 * windows' matching runs cannot overlap: every byte of the data is matched at most once, plus one byte per window. A
 * delimiter that did repeat its first byte, or a buffer without an array, is searched by {@link #scan} instead.
 */
final class DelimiterSearch {

  private final byte[] needle;
  /** How far to move a window whose last byte is the index; null: no skipping (the first byte recurs). */
  private final int[] shift;

  DelimiterSearch(byte[] needle) {
    this.needle = needle.clone();
    int m = needle.length;
    boolean firstRecurs = false;
    for (int i = 1; i < m; i++) {
      firstRecurs |= needle[i] == needle[0];
    }
    if (firstRecurs || m < 2) {
      shift = null;
    } else {
      shift = new int[256];
      Arrays.fill(shift, m);
      for (int i = 0; i < m - 1; i++) {
        shift[needle[i] & 0xff] = m - 1 - i;
      }
    }
  }

  /** Where the delimiter starts in the readable bytes of {@code in}, or -1. */
  int indexOf(ByteBuf in) {
    if (shift == null || !in.hasArray()) {
      return scan(in, needle);
    }
    int off = in.arrayOffset();
    int at = indexOf(in.array(), off + in.readerIndex(), off + in.writerIndex());
    return at < 0 ? -1 : at - off;
  }

  private int indexOf(byte[] a, int from, int to) {
    byte[] n = needle;
    int m = n.length;
    byte lastByte = n[m - 1];
    int[] s = shift;
    for (int pos = from; pos <= to - m; ) {
      byte b = a[pos + m - 1];
      if (b == lastByte) {
        int i = 0;
        while (i < m - 1 && a[pos + i] == n[i]) {
          i++;
        }
        if (i == m - 1) {
          return pos;
        }
      }
      pos += s[b & 0xff];
    }
    return -1;
  }

  /**
   * Where {@code needle} starts in the readable bytes of {@code in}, or -1, without skipping: candidate starts are
   * found with Netty's byte scan for the needle's first byte. For a part's headers' end, a buffer without an array (its
   * bytes are few: Vert.x hands request bodies over in heap arrays), and a delimiter whose first byte recurs.
   */
  static int scan(ByteBuf in, byte[] needle) {
    int from = in.readerIndex();
    int last = in.writerIndex() - needle.length;
    while (from <= last) {
      int first = in.indexOf(from, last + 1, needle[0]);
      if (first < 0) {
        return -1;
      }
      int i = 1;
      while (i < needle.length && in.getByte(first + i) == needle[i]) {
        i++;
      }
      if (i == needle.length) {
        return first;
      }
      from = first + 1;
    }
    return -1;
  }
}
