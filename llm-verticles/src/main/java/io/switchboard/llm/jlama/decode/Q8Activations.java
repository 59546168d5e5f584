package io.switchboard.llm.jlama.decode;

/**
 * The activations of up to {@code capacity} tokens quantized the way Jlama does with {@code working_qtype: I8}: per
 * block of 32 values, scale {@code max|x| / 127} and {@code q = (int) (x * (127 / max) + 0.5f)}, bit for bit, so the
 * integer products are Jlama's. Kept in the form {@link Q4Kernel} consumes, per token and block:
 * <ul>
 *   <li>{@code p[j]}, {@code d[j]} (j = 0..15): {@code q[j]} and {@code q[j + 16] - 16 q[j]}, each repeated in both
 *   halves of an int, so one 32-bit broadcast fills 32 short lanes with it;</li>
 *   <li>{@code correction}: {@code 8 * sum(q)}, the stored-weight offset of 8 times the activations;</li>
 *   <li>{@code scale}: the block's scale.</li>
 * </ul>
 * With a weight byte {@code v = low + 16 high}, {@code v * q[j] + high * (q[j + 16] - 16 q[j]) = low * q[j] + high *
 * q[j + 16]}: the low nibble needs no mask. Not thread-safe across tokens being written; each token is independent.
 */
final class Q8Activations {

  final int cols;
  final int blocks;
  final int capacity;
  final int[] p;
  final int[] d;
  final short[] correction;
  final float[] scale;

  Q8Activations(int cols, int capacity) {
    if (cols % Q4MatVec.BLOCK != 0) {
      throw new IllegalArgumentException("activations of " + cols + " values are not whole 32-blocks");
    }
    this.cols = cols;
    this.blocks = cols / Q4MatVec.BLOCK;
    this.capacity = capacity;
    this.p = new int[capacity * blocks * 16];
    this.d = new int[capacity * blocks * 16];
    this.correction = new short[capacity * blocks];
    this.scale = new float[capacity * blocks];
  }

  /** Quantizes {@code x[from .. from + cols)} as token {@code token}. */
  void quantize(int token, float[] x, int from) {
    int[] q = new int[Q4MatVec.BLOCK];
    for (int b = 0; b < blocks; b++) {
      int at = from + b * Q4MatVec.BLOCK;
      float max = 0;
      for (int i = 0; i < Q4MatVec.BLOCK; i++) {
        max = Math.max(max, Math.abs(x[at + i]));
      }
      float inverse = max != 0 ? 127f / max : 0f;
      int sum = 0;
      for (int i = 0; i < Q4MatVec.BLOCK; i++) {
        float scaled = x[at + i] * inverse;
        q[i] = (byte) (int) (scaled + 0.5f);
        sum += q[i];
      }
      int k = (token * blocks + b) * 16;
      for (int j = 0; j < 16; j++) {
        p[k + j] = pair(q[j]);
        d[k + j] = pair(q[j + 16] - 16 * q[j]);
      }
      correction[token * blocks + b] = (short) (8 * sum);
      scale[token * blocks + b] = max / 127f;
    }
  }

  /** The quantized value {@code i} of token {@code token} (for tests). */
  int value(int token, int i) {
    int k = (token * blocks + i / Q4MatVec.BLOCK) * 16;
    int j = i % Q4MatVec.BLOCK;
    int low = (short) p[k + j % 16];
    return j < 16 ? low : (short) d[k + j - 16] + 16 * low;
  }

  private static int pair(int v) {
    return (v & 0xFFFF) | (v << 16);
  }
}
