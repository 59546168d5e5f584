package io.switchboard.core.cid;

import java.io.ByteArrayOutputStream;

/** Unsigned LEB128 varints, as multiformats (CID, multihash, CAR sections) and protobuf use them. */
final class Varint {

  private Varint() {
  }

  static int size(long value) {
    int n = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      n++;
    }
    return n;
  }

  static void write(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  static byte[] encode(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size(value));
    write(out, value);
    return out.toByteArray();
  }

  /** A reader over a byte array that fails with {@link IllegalArgumentException} on truncated or overlong input. */
  static final class Reader {
    private final byte[] data;
    private int pos;
    private final int end;

    Reader(byte[] data, int offset, int end) {
      this.data = data;
      this.pos = offset;
      this.end = end;
    }

    boolean hasMore() {
      return pos < end;
    }

    int position() {
      return pos;
    }

    long read() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalArgumentException("truncated varint");
        }
        int b = data[pos++] & 0xff;
        value |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("varint longer than 64 bits");
    }

    /** Skips {@code n} bytes and answers where they started. */
    int skip(long n) {
      if (n < 0 || n > end - pos) {
        throw new IllegalArgumentException("field of " + n + " bytes runs past the end");
      }
      int start = pos;
      pos += (int) n;
      return start;
    }
  }
}
