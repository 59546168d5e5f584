package io.switchboard.llm.jlama.decode;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
 * <p>
 * Quantizing runs on the Vector API, sixteen values at a time, with the same float operations as Jlama's scalar loop
 * (a multiply, then an add, then Java's float-to-int and int-to-byte casts), so every byte is the same: a generated token
 * quantizes 25,600 values per token of the 1B model on one thread between the parallel products: with the scalar loop
 * that and the norms took 0.72-0.76 ms of a 23 ms token, with this 0.37-0.38 ms (docs/benchmarks.md).
 */
final class Q8Activations {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  /** Where value {@code j} (0..15) of a block goes in {@link #p} and {@link #d}, from the block's index: a tile apart. */
  private static final int[] SPREAD = new int[16];

  static {
    for (int j = 0; j < SPREAD.length; j++) {
      SPREAD[j] = j * Q4Kernel.TILE;
    }
  }

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
      FloatVector lowX = FloatVector.fromArray(F, x, at);
      FloatVector highX = FloatVector.fromArray(F, x, at + 16);
      // Math.max's order of operands does not change its result, so the lanes' maximum is the scalar loop's.
      float max = Math.max(0f, lowX.abs().max(highX.abs()).reduceLanes(VectorOperators.MAX));
      float inverse = max != 0 ? 127f / max : 0f;
      IntVector low = quantized(lowX, inverse);
      IntVector high = quantized(highX, inverse);
      int k = at(token, b);
      // No scratch array: a prompt's tokens are quantized at every layer, and what a prefill allocates can start a
      // garbage collection inside it (see KvPageReserve).
      pair(low).intoArray(p, k, SPREAD, 0);
      pair(high.sub(low.lanewise(VectorOperators.LSHL, 4))).intoArray(d, k, SPREAD, 0);
      int sum = low.add(high).reduceLanes(VectorOperators.ADD);
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

  /** Jlama's {@code (byte) (int) (x * inverse + 0.5f)}, lane by lane: a multiply and an add (not fused), then the casts. */
  private static IntVector quantized(FloatVector x, float inverse) {
    IntVector i = (IntVector) x.mul(inverse).add(0.5f).convert(VectorOperators.F2I, 0);
    return i.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
  }

  /** Each lane's low 16 bits repeated in both halves of it. */
  private static IntVector pair(IntVector v) {
    return v.and(0xFFFF).or(v.lanewise(VectorOperators.LSHL, 16));
  }
}
