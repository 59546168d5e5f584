package io.switchboard.core.audio;

/**
 * ITU-T G.711 companding (μ-law and A-law), the 8-bit telephony encodings. Decoding goes through 256-entry
 * tables built once from the standard expansion formulas; encoding (used by {@link WavWriter} and tests) follows
 * the reference segment search.
 */
public final class G711 {

  private static final float[] MULAW = new float[256];
  private static final float[] ALAW = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      MULAW[i] = mulawToLinear(i) / 32768f;
      ALAW[i] = alawToLinear(i) / 32768f;
    }
  }

  private G711() {
  }

  /** The sample in [-1, 1] that a μ-law byte stands for. */
  public static float decodeMulaw(byte b) {
    return MULAW[b & 0xFF];
  }

  /** The sample in [-1, 1] that an A-law byte stands for. */
  public static float decodeAlaw(byte b) {
    return ALAW[b & 0xFF];
  }

  /** The μ-law byte for a sample in [-1, 1] (clipped). */
  public static byte encodeMulaw(float sample) {
    int pcm = toPcm16(sample);
    int sign = pcm < 0 ? 0x80 : 0;
    int magnitude = Math.min(Math.abs(pcm), 32635) + 0x84;
    int exponent = 7;
    for (int mask = 0x4000; (magnitude & mask) == 0 && exponent > 0; mask >>= 1) {
      exponent--;
    }
    int mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    return (byte) ~(sign | (exponent << 4) | mantissa);
  }

  /** The A-law byte for a sample in [-1, 1] (clipped). */
  public static byte encodeAlaw(float sample) {
    int pcm = toPcm16(sample);
    int sign = pcm >= 0 ? 0x80 : 0;
    int magnitude = Math.min(pcm >= 0 ? pcm : -pcm - 1, 32767) >> 3;
    int encoded;
    if (magnitude < 32) {
      encoded = magnitude >> 1;
    } else {
      int exponent = 1;
      while (magnitude >= 64 << (exponent - 1) && exponent < 7) {
        exponent++;
      }
      encoded = (exponent << 4) | ((magnitude >> exponent) & 0x0F);
    }
    return (byte) ((sign | encoded) ^ 0x55);
  }

  private static int toPcm16(float sample) {
    float clipped = Math.max(-1f, Math.min(1f, sample));
    return Math.round(clipped * 32767f);
  }

  private static int mulawToLinear(int b) {
    int u = ~b & 0xFF;
    int t = ((u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return (u & 0x80) != 0 ? 0x84 - t : t - 0x84;
  }

  private static int alawToLinear(int b) {
    int a = (b ^ 0x55) & 0xFF;
    int t = (a & 0x0F) << 4;
    int seg = (a & 0x70) >> 4;
    if (seg == 0) {
      t += 8;
    } else if (seg == 1) {
      t += 0x108;
    } else {
      t += 0x108;
      t <<= seg - 1;
    }
    return (a & 0x80) != 0 ? t : -t;
  }
}
