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
 * windows' matching runs cannot overlap: every byte of the data is matched at most once, plus one byte per window (with
 * four cursors, each over a quarter of the windows, at most a delimiter's length more per quarter). A
 * delimiter that did repeat its first byte, or a buffer without an array, is searched by {@link #scan} instead.
 */
final class DelimiterSearch {

  /** Ranges of at least this many delimiter lengths are searched with four cursors side by side. */
  static final int SIDE_BY_SIDE = 16;

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

  /**
   * The first window starting in [{@code from}, {@code to - m}] that matches. A long range is cut in four, searched
   * side by side: each window's skip depends on a byte read at the end of the skip before, so one cursor waits on a
   * load and a table lookup for every step (~10 cycles for one byte in 44); four independent cursors overlap those
   * waits. When one meets a match or its segment's end, the segments are finished in order, so the first match is
   * the one found.
   */
  private int indexOf(byte[] a, int from, int to) {
    int m = needle.length;
    int end = to - m + 1; // window starts in [from, end)
    if (end - from < SIDE_BY_SIDE * m) {
      return firstIn(a, from, end);
    }
    int q = (end - from) / 4;
    int e0 = from + q;
    int e1 = e0 + q;
    int e2 = e1 + q;
    int p0 = from;
    int p1 = e0;
    int p2 = e1;
    int p3 = e2;
    int[] s = shift;
    int tail = m - 1;
    byte lastByte = needle[tail];
    while (p0 < e0 && p1 < e1 && p2 < e2 && p3 < end) {
      byte b0 = a[p0 + tail];
      byte b1 = a[p1 + tail];
      byte b2 = a[p2 + tail];
      byte b3 = a[p3 + tail];
      if ((b0 == lastByte && matches(a, p0)) || (b1 == lastByte && matches(a, p1))
        || (b2 == lastByte && matches(a, p2)) || (b3 == lastByte && matches(a, p3))) {
        break;
      }
      p0 += s[b0 & 0xff];
      p1 += s[b1 & 0xff];
      p2 += s[b2 & 0xff];
      p3 += s[b3 & 0xff];
    }
    int at = firstIn(a, p0, e0);
    if (at < 0) {
      at = firstIn(a, p1, e1);
    }
    if (at < 0) {
      at = firstIn(a, p2, e2);
    }
    return at < 0 ? firstIn(a, p3, end) : at;
  }

  /** The first window starting in [{@code from}, {@code end}) that matches, one cursor. */
  private int firstIn(byte[] a, int from, int end) {
    int tail = needle.length - 1;
    byte lastByte = needle[tail];
    int[] s = shift;
    for (int pos = from; pos < end; ) {
      byte b = a[pos + tail];
      if (b == lastByte && matches(a, pos)) {
        return pos;
      }
      pos += s[b & 0xff];
    }
    return -1;
  }

  /** True when the window at {@code pos}, whose last byte matches, matches in full. */
  private boolean matches(byte[] a, int pos) {
    byte[] n = needle;
    int i = 0;
    while (i < n.length - 1 && a[pos + i] == n[i]) {
      i++;
    }
    return i == n.length - 1;
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
