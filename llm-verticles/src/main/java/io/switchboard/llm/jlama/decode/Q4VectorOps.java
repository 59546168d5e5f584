package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.util.SplittableRandom;

/**
 * Jlama's tensor operations with the one-token products of 4-bit weights done by {@link Q4MatVec}; everything else
 * (prompt batches, other types, attention, norms) goes to the operations Jlama picked. Jlama has a single
 * {@link TensorOperations} per process, which its model code looks up on every call, so {@link #use} swaps it in that
 * process-wide slot; the {@code q4_kernel} setting of a {@code jlama} backend therefore applies to every Jlama model of
 * the process (the last backend loaded decides). Activations may arrive as F32 or, with {@code working_qtype: I8}, as
 * Jlama's 8-bit blocks, which are turned back into floats first; either way the result is Jlama's own product up to
 * float rounding.
 */
@SuppressWarnings("rawtypes")
public final class Q4VectorOps implements TensorOperations {

  private static final System.Logger LOG = System.getLogger(Q4VectorOps.class.getName());
  /** Tasks per matrix in Jlama's parallel loops: its native default (128) costs more in hand-overs than it gains. */
  private static final int SPLITS = 16;

  private final TensorOperations jlama;
  private final ThreadLocal<float[]> activations = ThreadLocal.withInitial(() -> new float[0]);

  Q4VectorOps(TensorOperations jlama) {
    this.jlama = jlama;
  }

  /**
   * Turns the kernel on or off for this process. Returns whether it is on afterwards: off when asked, when the CPU
   * has no 512-bit vectors, when it does not reproduce Jlama's product on a small matrix (another Jlama version, a JDK
   * whose foreign-memory API is still a preview), or when this Jlama version's operations slot cannot be reached; then
   * Jlama's own kernels run, as before.
   */
  public static synchronized boolean use(boolean on) {
    try {
      TensorOperations current = TensorOperationsProvider.get();
      TensorOperations original = current instanceof Q4VectorOps ours ? ours.jlama : current;
      boolean enable = on && Q4MatVec.available();
      if (on && !enable) {
        LOG.log(System.Logger.Level.INFO, "q4_kernel: this CPU has no 512-bit vectors; Jlama''s kernels stay");
      }
      if (enable && !(current instanceof Q4VectorOps) && !agreesWith(original)) {
        LOG.log(System.Logger.Level.WARNING, "q4_kernel: the vector kernel does not reproduce Jlama''s product here; Jlama''s kernels stay");
        enable = false;
      }
      TensorOperations wanted = enable ? (current instanceof Q4VectorOps ? current : new Q4VectorOps(original)) : original;
      if (wanted != current) {
        Field instance = TensorOperationsProvider.class.getDeclaredField("instance");
        Field provider = TensorOperationsProvider.class.getDeclaredField("provider");
        instance.setAccessible(true);
        provider.setAccessible(true);
        provider.set(instance.get(null), wanted);
      }
      return enable;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(System.Logger.Level.WARNING, "q4_kernel: cannot install the vector kernel ({0}); Jlama''s kernels stay", e.toString());
      return false;
    }
  }

  /** Both products of a small random Q4 matrix (F32 activations) agree to float rounding. */
  private static boolean agreesWith(TensorOperations jlama) {
    int rows = 8;
    int cols = 256;
    FloatBufferTensor w = new FloatBufferTensor(rows, cols);
    FloatBufferTensor x = new FloatBufferTensor(1, cols);
    SplittableRandom rnd = new SplittableRandom(42);
    for (int c = 0; c < cols; c++) {
      x.set((float) rnd.nextGaussian(), 0, c);
      for (int r = 0; r < rows; r++) {
        w.set((float) rnd.nextGaussian(), r, c);
      }
    }
    Q4ByteBufferTensor q = new Q4ByteBufferTensor(w);
    FloatBufferTensor expected = new FloatBufferTensor(1, rows);
    FloatBufferTensor actual = new FloatBufferTensor(1, rows);
    jlama.dotProductChunk(expected, x, q, 0, cols, 0, rows);
    new Q4VectorOps(jlama).dotProductChunk(actual, x, q, 0, cols, 0, rows);
    for (int r = 0; r < rows; r++) {
      double scale = 0;
      for (int c = 0; c < cols; c++) {
        scale += Math.abs(q.get(r, c) * x.get(0, c));
      }
      if (!(Math.abs(expected.get(0, r) - actual.get(0, r)) <= 1e-5 * scale)) {
        return false;
      }
    }
    return true;
  }

  /** True when the process currently runs the vector kernel. */
  public static boolean active() {
    return TensorOperationsProvider.get() instanceof Q4VectorOps;
  }

  /** The operations Jlama picked itself (its reference for every product). */
  public static TensorOperations jlamaOps() {
    TensorOperations current = TensorOperationsProvider.get();
    return current instanceof Q4VectorOps ours ? ours.jlama : current;
  }

  @Override
  public String name() {
    return "Switchboard Q4 vector kernel over " + jlama.name();
  }

  @Override
  public int parallelSplitSize() {
    return SPLITS;
  }

  @Override
  public void batchDotProduct(AbstractTensor result, AbstractTensor a, AbstractTensor b, int aColumnOffset, int bColumnOffset,
                              int columnLength, int rRowOffset, int bRowOffset, int rowChunkSize) {
    if (!ours(result, a, b, aColumnOffset, bColumnOffset, columnLength, rRowOffset)) {
      jlama.batchDotProduct(result, a, b, aColumnOffset, bColumnOffset, columnLength, rRowOffset, bRowOffset, rowChunkSize);
      return;
    }
    float[] x = activations(a, aColumnOffset, columnLength);
    Q4Matrix m = Q4Matrix.of(b);
    Q4MatVec.multiply(m, x, bRowOffset, bRowOffset + rowChunkSize, result.getMemorySegment(), 4L * result.getOffset(0, bRowOffset));
  }

  @Override
  public void dotProductChunk(AbstractTensor result, AbstractTensor a, AbstractTensor b, int offset, int limit, int chunkStart, int chunkSize) {
    batchDotProduct(result, a, b, offset, offset, limit, 0, chunkStart, chunkSize);
  }

  @Override
  public void dotProductBatchChunk(AbstractTensor[] result, AbstractTensor a, AbstractTensor[] b, int offset, int limit, int chunkStart,
                                   int chunkSize) {
    for (int i = 0; i < b.length; i++) {
      if (!ours(result[i], a, b[i], offset, offset, limit, 0)) {
        jlama.dotProductBatchChunk(result, a, b, offset, limit, chunkStart, chunkSize);
        return;
      }
    }
    for (int i = 0; i < b.length; i++) {
      batchDotProduct(result[i], a, b[i], offset, offset, limit, 0, chunkStart, chunkSize);
    }
  }

  /** One activation row against dense Q4 rows into a dense F32 row, on whole 32-blocks: the case this kernel covers. */
  private static boolean ours(AbstractTensor result, AbstractTensor a, AbstractTensor b, int aColumnOffset, int bColumnOffset,
                              int columnLength, int rRowOffset) {
    return b instanceof Q4ByteBufferTensor && Q4Matrix.dense(b)
      && (a instanceof FloatBufferTensor || a instanceof Q8ByteBufferTensor) && Q4Matrix.dense(a) && a.shape().first() == 1
      && result.dType() == DType.F32 && Q4Matrix.dense(result) && result.shape().first() == 1
      && rRowOffset == 0 && bColumnOffset == 0 && columnLength == b.shape().last() && columnLength % Q4MatVec.BLOCK == 0
      && aColumnOffset % Q4MatVec.BLOCK == 0;
  }

  /** The activations as floats in a per-thread buffer: copied, or Jlama's 8-bit blocks times their scales. */
  private float[] activations(AbstractTensor a, int columnOffset, int length) {
    float[] x = activations.get();
    if (x.length < length) {
      x = new float[length];
      activations.set(x);
    }
    int at = a.getOffset(0, columnOffset);
    if (a instanceof Q8ByteBufferTensor q8) {
      Q4MatVec.dequantize(q8.getMemorySegment(), at, q8.getBlockF().getMemorySegment(), 4L * (at / Q4MatVec.BLOCK), x,
        length / Q4MatVec.BLOCK);
    } else {
      MemorySegment.copy(a.getMemorySegment(), Q4MatVec.FLOAT, 4L * at, x, 0, length);
    }
    return x;
  }

  @Override
  public float dotProduct(AbstractTensor a, AbstractTensor b, int aoffset, int boffset, int limit) {
    return jlama.dotProduct(a, b, aoffset, boffset, limit);
  }

  @Override
  public void accumulate(AbstractTensor a, AbstractTensor b, int offset, int length) {
    jlama.accumulate(a, b, offset, length);
  }

  @Override
  public void maccumulate(AbstractTensor a, AbstractTensor b, int offset, int length) {
    jlama.maccumulate(a, b, offset, length);
  }

  @Override
  public void saxpy(float alpha, AbstractTensor x, AbstractTensor y, int xoffset, int yoffset, int limit) {
    jlama.saxpy(alpha, x, y, xoffset, yoffset, limit);
  }

  @Override
  public void saxpy(AbstractTensor alpha, AbstractTensor x, AbstractTensor y, int xoffset, int yoffset, int limit, int rOffset, int xOffset,
                    int batchSize) {
    jlama.saxpy(alpha, x, y, xoffset, yoffset, limit, rOffset, xOffset, batchSize);
  }

  @Override
  public void scale(float factor, AbstractTensor x, int offset, int length) {
    jlama.scale(factor, x, offset, length);
  }

  @Override
  public AbstractTensor quantize(AbstractTensor t, DType qtype, int offset, int length) {
    return jlama.quantize(t, qtype, offset, length);
  }
}
