package io.switchboard.voice.audio;

import io.switchboard.core.audio.G711;

/** 16-bit little-endian PCM and μ-law bytes to float samples in [-1, 1]. */
public final class Pcm16 {

  private Pcm16() {
  }

  /** Decodes {@code length} bytes (even) of s16le from {@code offset}. */
  public static float[] decode(byte[] bytes, int offset, int length) {
    float[] out = new float[length / 2];
    for (int i = 0; i < out.length; i++) {
      int lo = bytes[offset + 2 * i] & 0xFF;
      int hi = bytes[offset + 2 * i + 1];
      out[i] = (short) ((hi << 8) | lo) / 32768f;
    }
    return out;
  }

  public static float[] decodeMulaw(byte[] bytes, int offset, int length) {
    float[] out = new float[length];
    for (int i = 0; i < length; i++) {
      out[i] = G711.decodeMulaw(bytes[offset + i]);
    }
    return out;
  }
}
