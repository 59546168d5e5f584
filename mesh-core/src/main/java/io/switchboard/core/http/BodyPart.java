package io.switchboard.core.http;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * One piece of an upstream request body, handed to the connection in slices as it takes them
 * ({@link Exchange}), so a large body is never joined into one buffer nor, for a base64 part
 * ({@link Base64Audio#part}), encoded whole before it is sent.
 */
public interface BodyPart {

  /** Bytes a slice holds at most; a multiple of 4, so base64 slices fall on whole 3-byte groups. */
  int SLICE = 64 * 1024;

  long length();

  /**
   * The bytes {@code [from, to)} of this part. Callers ask for consecutive slices from 0, each {@link #SLICE} long
   * but the last.
   */
  Buffer slice(long from, long to);

  /** A buffer as it is: slices are views of it, nothing is copied. */
  static BodyPart of(Buffer bytes) {
    return new BodyPart() {
      @Override
      public long length() {
        return bytes.length();
      }

      @Override
      public Buffer slice(long from, long to) {
        return from == 0 && to == bytes.length() ? bytes : bytes.slice((int) from, (int) to);
      }
    };
  }

  static List<BodyPart> of(Buffer... buffers) {
    return java.util.Arrays.stream(buffers).map(BodyPart::of).toList();
  }
}
