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
 * q[j + 16]}: the low nibble needs no mask. Tokens are stored interleaved in tiles of eight ({@link #at}): the
 * kernel's eight tokens of a tile then sit at fixed offsets from one index, and need no registers of their own.
 * Each token is written independently of the others.
 */
final class Q8Activations {

  final int cols;
  final int blocks;
  final int capacity;
  /** Token slots held: the capacity rounded up to whole tiles. */
  final int slots;
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
    this.slots = (capacity + Q4Kernel.TILE - 1) / Q4Kernel.TILE * Q4Kernel.TILE;
    this.p = new int[slots * blocks * 16];
    this.d = new int[slots * blocks * 16];
    this.correction = new short[slots * blocks];
    this.scale = new float[slots * blocks];
  }

  /** Quantizes {@code x[from .. from + cols)} as token {@code token}. */
  void quantize(int token, float[] x, int from) {
    for (int b = 0; b < blocks; b++) {
      int at = from + b * Q4MatVec.BLOCK;
      float max = 0;
      for (int i = 0; i < Q4MatVec.BLOCK; i++) {
        max = Math.max(max, Math.abs(x[at + i]));
      }
      float inverse = max != 0 ? 127f / max : 0f;
      int sum = 0;
      int k = at(token, b);
      // No scratch array: a prompt's tokens are quantized at every layer, and what a prefill allocates can start a
      // garbage collection inside it (see KvPageReserve).
      for (int j = 0; j < 16; j++) {
        int low = quantized(x[at + j], inverse);
        int high = quantized(x[at + j + 16], inverse);
        sum += low + high;
        p[k + j * Q4Kernel.TILE] = pair(low);
        d[k + j * Q4Kernel.TILE] = pair(high - 16 * low);
      }
      correction[scaleAt(token, b)] = (short) (8 * sum);
      scale[scaleAt(token, b)] = max / 127f;
    }
  }

  /** Where {@code p[j]} and {@code d[j]} of block {@code b} of {@code token} are: this plus {@code 8 j}. */
  int at(int token, int b) {
    return ((token / Q4Kernel.TILE * blocks + b) * 16) * Q4Kernel.TILE + token % Q4Kernel.TILE;
  }

  /** Where the correction and scale of block {@code b} of {@code token} are. */
  int scaleAt(int token, int b) {
    return (token / Q4Kernel.TILE * blocks + b) * Q4Kernel.TILE + token % Q4Kernel.TILE;
  }

  /** The quantized value {@code i} of token {@code token} (for tests). */
  int value(int token, int i) {
    int k = at(token, i / Q4MatVec.BLOCK);
    int j = i % Q4MatVec.BLOCK;
    int low = (short) p[k + (j % 16) * Q4Kernel.TILE];
    return j < 16 ? low : (short) d[k + (j - 16) * Q4Kernel.TILE] + 16 * low;
  }

  /** The scale of block {@code b} of {@code token} (for tests). */
  float scale(int token, int b) {
    return scale[scaleAt(token, b)];
  }

  private static int quantized(float x, float inverse) {
    float scaled = x * inverse;
    return (byte) (int) (scaled + 0.5f);
  }

  private static int pair(int v) {
    return (v & 0xFFFF) | (v << 16);
  }
}
