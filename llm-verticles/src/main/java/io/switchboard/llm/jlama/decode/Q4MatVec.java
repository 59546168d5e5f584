package io.switchboard.llm.jlama.decode;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Rows of a matrix in Jlama's 4-bit format times one vector of floats, with the JDK's Vector API at 512 bits (16
 * floats per register). Jlama's Q4 layout: every row is a run of 32-weight blocks of 16 bytes, the low nibbles holding
 * weights 0-15 of the block and the high nibbles weights 16-31, each stored as {@code value + 8}; one F32 scale per
 * block lives in a separate matrix. A block's dot product is {@code scale * sum((nibble - 8) * x)}.
 * <p>
 * Generating one token multiplies every weight once, so this loop decides the speed: per block it widens the 16 bytes
 * to 16 ints once, takes both nibbles from them, converts to floats and does two multiply-adds against the
 * activations and one with the scale. Jlama's own x86 kernels use 256-bit registers and more steps per block and
 * are limited by arithmetic, not by memory, on two cores. Short rows go one at a time (reading rows side by side
 * defeats the hardware prefetcher there: measured slower once the weights outgrow the cache); rows longer than
 * {@link #LONG_ROW} go four at a time, because their activations no longer stay in the first-level cache and sharing
 * each load of them between four rows is then worth more.
 * <p>
 * The block step is written out in every loop rather than called: a helper returning a vector that the JIT declines
 * to inline would box every vector.
 */
final class Q4MatVec {

  static final int BLOCK = 32;
  /** Columns above which rows go four at a time. */
  static final int LONG_ROW = 4096;

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Q4MatVec() {
  }

  /** True when the CPU runs 512-bit float vectors natively; elsewhere this kernel would be emulated and slow. */
  static boolean available() {
    return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
  }

  /**
   * {@code out[outAt + i] = row(rowStart + i) . x} for the rows {@code [rowStart, rowEnd)} of {@code m}; {@code x}
   * holds the {@code m.cols} activations.
   */
  static void multiply(Q4Matrix m, float[] x, int rowStart, int rowEnd, float[] out, int outAt) {
    int blocks = m.cols / BLOCK;
    int r = rowStart;
    if (m.cols > LONG_ROW) {
      for (; r + 4 <= rowEnd; r += 4) {
        rows4(m.weights, m.weightsAt + r * m.rowBytes, m.rowBytes, m.scales, m.scalesAt + r * m.scaleRowBytes, m.scaleRowBytes, x, blocks,
          out, outAt + r - rowStart);
      }
    }
    for (; r < rowEnd; r++) {
      out[outAt + r - rowStart] = row(m.weights, m.weightsAt + r * m.rowBytes, m.scales, m.scalesAt + r * m.scaleRowBytes, x, blocks);
    }
  }

  /** Like {@link #multiply(Q4Matrix, float[], int, int, float[], int)} with the results written as floats to {@code out}. */
  static void multiply(Q4Matrix m, float[] x, int rowStart, int rowEnd, MemorySegment out, long outAt) {
    int blocks = m.cols / BLOCK;
    for (int r = rowStart; r < rowEnd; r++) {
      float dot = row(m.weights, m.weightsAt + r * m.rowBytes, m.scales, m.scalesAt + r * m.scaleRowBytes, x, blocks);
      out.set(FLOAT, outAt + 4L * (r - rowStart), dot);
    }
  }

  /** One row, with two accumulators so consecutive blocks do not wait on each other's multiply-add. */
  static float row(MemorySegment w, long wAt, MemorySegment s, long sAt, float[] x, int blocks) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    for (int b = 0; b < blocks; b += 2) {
      IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, wAt + 16L * b, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo0 = (FloatVector) q0.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi0 = (FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector dot0 = hi0.fma(FloatVector.fromArray(F, x, BLOCK * b + 16), lo0.mul(FloatVector.fromArray(F, x, BLOCK * b)));
      acc0 = dot0.fma(FloatVector.broadcast(F, s.get(FLOAT, sAt + 4L * b)), acc0);
      if (b + 1 == blocks) {
        break;
      }
      int c = b + 1;
      IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, wAt + 16L * c, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo1 = (FloatVector) q1.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi1 = (FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector dot1 = hi1.fma(FloatVector.fromArray(F, x, BLOCK * c + 16), lo1.mul(FloatVector.fromArray(F, x, BLOCK * c)));
      acc1 = dot1.fma(FloatVector.broadcast(F, s.get(FLOAT, sAt + 4L * c)), acc1);
    }
    return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
  }

  /** Four consecutive rows sharing each load of the activations. */
  private static void rows4(MemorySegment w, long wAt, long rowBytes, MemorySegment s, long sAt, long scaleRowBytes, float[] x, int blocks,
                            float[] out, int outAt) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    FloatVector acc2 = FloatVector.zero(F);
    FloatVector acc3 = FloatVector.zero(F);
    for (int b = 0; b < blocks; b++) {
      FloatVector xl = FloatVector.fromArray(F, x, BLOCK * b);
      FloatVector xh = FloatVector.fromArray(F, x, BLOCK * b + 16);
      long wb = wAt + 16L * b;
      long sb = sAt + 4L * b;
      IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, wb, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo0 = (FloatVector) q0.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi0 = (FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      acc0 = hi0.fma(xh, lo0.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb)), acc0);
      IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo1 = (FloatVector) q1.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi1 = (FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      acc1 = hi1.fma(xh, lo1.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + scaleRowBytes)), acc1);
      IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 2 * rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo2 = (FloatVector) q2.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi2 = (FloatVector) q2.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      acc2 = hi2.fma(xh, lo2.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + 2 * scaleRowBytes)), acc2);
      IntVector q3 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 3 * rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo3 = (FloatVector) q3.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi3 = (FloatVector) q3.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      acc3 = hi3.fma(xh, lo3.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + 3 * scaleRowBytes)), acc3);
    }
    out[outAt] = acc0.reduceLanes(VectorOperators.ADD);
    out[outAt + 1] = acc1.reduceLanes(VectorOperators.ADD);
    out[outAt + 2] = acc2.reduceLanes(VectorOperators.ADD);
    out[outAt + 3] = acc3.reduceLanes(VectorOperators.ADD);
  }

  /**
   * Activations {@code [from, to)} (whole 32-blocks) of {@code x} rearranged for {@link #multiplyPrepared}: per block
   * the first 16 activations, then the last 16 minus 16 times the first 16, into {@code xp}; the block's sum into
   * {@code sums}. With that, a block's unscaled product is {@code sum(byte * first16) + sum(high nibble * (last16 -
   * 16 first16)) - 8 * blocksum}: no masking and no subtraction per weight, three fewer operations per block.
   */
  static void prepare(float[] x, int from, int to, float[] xp, float[] sums) {
    for (int at = from; at < to; at += BLOCK) {
      FloatVector lo = FloatVector.fromArray(F, x, at);
      FloatVector hi = FloatVector.fromArray(F, x, at + 16);
      lo.intoArray(xp, at);
      lo.mul(-16f).add(hi).intoArray(xp, at + 16);
      sums[at / BLOCK] = lo.add(hi).reduceLanes(VectorOperators.ADD);
    }
  }

  /**
   * {@code out[outAt + i] = row(rowStart + i) . x} from activations {@link #prepare prepared} into {@code xp} and
   * {@code sums}, four rows at a time: for long rows, where sharing the activation loads between rows pays.
   */
  static void multiplyPrepared(Q4Matrix m, float[] xp, float[] sums, int rowStart, int rowEnd, float[] out, int outAt) {
    int blocks = m.cols / BLOCK;
    int r = rowStart;
    for (; r + 4 <= rowEnd; r += 4) {
      prepared4(m.weights, m.weightsAt + r * m.rowBytes, m.rowBytes, m.scales, m.scalesAt + r * m.scaleRowBytes, m.scaleRowBytes, xp, sums,
        blocks, out, outAt + r - rowStart);
    }
    for (; r < rowEnd; r++) {
      prepared4(m.weights, m.weightsAt + r * m.rowBytes, 0, m.scales, m.scalesAt + r * m.scaleRowBytes, 0, xp, sums, blocks, out,
        outAt + r - rowStart);
    }
  }

  /** Four rows {@code rowBytes} apart; with {@code rowBytes} 0 one row, whose result alone is written. */
  private static void prepared4(MemorySegment w, long wAt, long rowBytes, MemorySegment s, long sAt, long scaleRowBytes, float[] xp,
                                float[] sums, int blocks, float[] out, int outAt) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    FloatVector acc2 = FloatVector.zero(F);
    FloatVector acc3 = FloatVector.zero(F);
    for (int b = 0; b < blocks; b++) {
      FloatVector xl = FloatVector.fromArray(F, xp, BLOCK * b);
      FloatVector xd = FloatVector.fromArray(F, xp, BLOCK * b + 16);
      long wb = wAt + 16L * b;
      long sb = sAt + 4L * b;
      IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, wb, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector b0 = (FloatVector) q0.convert(VectorOperators.I2F, 0);
      FloatVector h0 = (FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
      acc0 = h0.fma(xd, b0.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb)), acc0);
      IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector b1 = (FloatVector) q1.convert(VectorOperators.I2F, 0);
      FloatVector h1 = (FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
      acc1 = h1.fma(xd, b1.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + scaleRowBytes)), acc1);
      IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 2 * rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector b2 = (FloatVector) q2.convert(VectorOperators.I2F, 0);
      FloatVector h2 = (FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
      acc2 = h2.fma(xd, b2.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + 2 * scaleRowBytes)), acc2);
      IntVector q3 = (IntVector) ByteVector.fromMemorySegment(B, w, wb + 3 * rowBytes, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector b3 = (FloatVector) q3.convert(VectorOperators.I2F, 0);
      FloatVector h3 = (FloatVector) q3.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
      acc3 = h3.fma(xd, b3.mul(xl)).fma(FloatVector.broadcast(F, s.get(FLOAT, sb + 3 * scaleRowBytes)), acc3);
    }
    FloatVector c0 = FloatVector.zero(F);
    FloatVector c1 = FloatVector.zero(F);
    FloatVector c2 = FloatVector.zero(F);
    FloatVector c3 = FloatVector.zero(F);
    int b = 0;
    for (; b + 16 <= blocks; b += 16) {
      FloatVector sum = FloatVector.fromArray(F, sums, b);
      c0 = FloatVector.fromMemorySegment(F, s, sAt + 4L * b, LE).fma(sum, c0);
      c1 = FloatVector.fromMemorySegment(F, s, sAt + scaleRowBytes + 4L * b, LE).fma(sum, c1);
      c2 = FloatVector.fromMemorySegment(F, s, sAt + 2 * scaleRowBytes + 4L * b, LE).fma(sum, c2);
      c3 = FloatVector.fromMemorySegment(F, s, sAt + 3 * scaleRowBytes + 4L * b, LE).fma(sum, c3);
    }
    float d0 = c0.reduceLanes(VectorOperators.ADD);
    float d1 = c1.reduceLanes(VectorOperators.ADD);
    float d2 = c2.reduceLanes(VectorOperators.ADD);
    float d3 = c3.reduceLanes(VectorOperators.ADD);
    for (; b < blocks; b++) {
      d0 += s.get(FLOAT, sAt + 4L * b) * sums[b];
      d1 += s.get(FLOAT, sAt + scaleRowBytes + 4L * b) * sums[b];
      d2 += s.get(FLOAT, sAt + 2 * scaleRowBytes + 4L * b) * sums[b];
      d3 += s.get(FLOAT, sAt + 3 * scaleRowBytes + 4L * b) * sums[b];
    }
    out[outAt] = acc0.reduceLanes(VectorOperators.ADD) - 8 * d0;
    if (rowBytes != 0) {
      out[outAt + 1] = acc1.reduceLanes(VectorOperators.ADD) - 8 * d1;
      out[outAt + 2] = acc2.reduceLanes(VectorOperators.ADD) - 8 * d2;
      out[outAt + 3] = acc3.reduceLanes(VectorOperators.ADD) - 8 * d3;
    }
  }

  /**
   * Jlama's 8-bit activations ({@code blocks} blocks of 32 signed bytes from byte {@code at} of {@code values}, one F32
   * scale per block from byte {@code scalesAt} of {@code scales}) as floats into {@code x}.
   */
  static void dequantize(MemorySegment values, long at, MemorySegment scales, long scalesAt, float[] x, int blocks) {
    for (int b = 0; b < blocks; b++) {
      FloatVector scale = FloatVector.broadcast(F, scales.get(FLOAT, scalesAt + 4L * b));
      for (int half = 0; half < 2; half++) {
        FloatVector v = (FloatVector) ByteVector.fromMemorySegment(B, values, at + BLOCK * b + 16L * half, LE)
          .convertShape(VectorOperators.B2F, F, 0);
        v.mul(scale).intoArray(x, BLOCK * b + 16 * half);
      }
    }
  }
}
