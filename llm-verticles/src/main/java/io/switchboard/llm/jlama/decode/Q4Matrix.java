package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.TensorShape;

import java.lang.foreign.MemorySegment;

/**
 * Where a dense Jlama Q4 matrix (rows x cols, cols a multiple of 32) keeps its 4-bit weights and its per-block scales,
 * as raw memory for {@link Q4MatVec}. The memory is Jlama's own (usually the memory-mapped model file); nothing is
 * copied.
 */
@SuppressWarnings("rawtypes")
final class Q4Matrix {

  final MemorySegment weights;
  final long weightsAt;
  final long rowBytes;
  final MemorySegment scales;
  final long scalesAt;
  final long scaleRowBytes;
  final int rows;
  final int cols;

  private Q4Matrix(MemorySegment weights, long weightsAt, long rowBytes, MemorySegment scales, long scalesAt, long scaleRowBytes,
                   int rows, int cols) {
    this.weights = weights;
    this.weightsAt = weightsAt;
    this.rowBytes = rowBytes;
    this.scales = scales;
    this.scalesAt = scalesAt;
    this.scaleRowBytes = scaleRowBytes;
    this.rows = rows;
    this.cols = cols;
  }

  /** The matrix view of {@code t}, or null when {@code t} is not a dense 2-D Q4 tensor of whole 32-blocks. */
  static Q4Matrix of(AbstractTensor t) {
    if (!(t instanceof Q4ByteBufferTensor q) || !dense(t) || t.shape().last() % Q4MatVec.BLOCK != 0) {
      return null;
    }
    FloatBufferTensor s = q.getBlockF();
    int rows = t.shape().first();
    int cols = t.shape().last();
    return new Q4Matrix(q.getMemorySegment(), q.getMemorySegmentOffset(q.getOffset(0, 0)), cols / 2, s.getMemorySegment(),
      4L * s.getOffset(0, 0), 4L * s.shape().last(), rows, cols);
  }

  /**
   * True for a 2-D tensor holding all its rows and columns. Jlama marks some local matrices as sparse over their full
   * range (a leftover of splitting models across machines); those are dense too.
   */
  static boolean dense(AbstractTensor t) {
    TensorShape s = t.shape();
    return t.dims() == 2 && (!s.isSparse() || (s.sparseRowOffset() == 0 && s.sparseColumnOffset() == 0
      && s.sparseRowLength() == s.first() && s.sparseColumnLength() == s.last()));
  }
}
