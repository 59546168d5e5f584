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
 * This is the one-token product of {@link Q4VectorOps}, for models Jlama's own pass runs (Switchboard's {@link LlamaPass}
 * uses {@link Q4Kernel}): per block it widens the 16 bytes to 16 ints once, takes both nibbles from them, converts to
 * floats and does two multiply-adds against the activations and one with the scale; Jlama's own x86 kernels use
 * 256-bit registers and more steps per block. The block step is written out rather than called: a helper returning a
 * vector that the JIT declines to inline would box every vector.
 */
final class Q4MatVec {

  static final int BLOCK = 32;

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
   * {@code out[i] = row(rowStart + i) . x} for the rows {@code [rowStart, rowEnd)} of {@code m}, written as floats from
   * byte {@code outAt} of {@code out}; {@code x} holds the {@code m.cols} activations.
   */
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
