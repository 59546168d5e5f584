package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector kernel against Jlama's own kernels (the operations Jlama picked on this machine) on random Q4 matrices:
 * F32 activations against Jlama's F32 x Q4 product, Jlama's 8-bit activations against its I8 x Q4 product. The two sum
 * in different orders, so they agree up to float rounding: the bound is relative to the sum of the absolute products
 * of each row, which is what rounding errors scale with.
 */
@SuppressWarnings("rawtypes")
class Q4VectorOpsTest {

  /** Float rounding of a few thousand products in two orders stays far below this share of their absolute sum. */
  private static final double TOLERANCE = 2e-6;

  static TensorOperations jlama;
  static Q4VectorOps ours;

  @BeforeAll
  static void ops() {
    jlama = Q4VectorOps.jlamaOps();
    ours = new Q4VectorOps(jlama);
  }

  private static FloatBufferTensor random(SplittableRandom rnd, int rows, int cols) {
    FloatBufferTensor t = new FloatBufferTensor(rows, cols);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t.set((float) rnd.nextGaussian(), r, c);
      }
    }
    return t;
  }

  /** Sum over the row of |weight * activation|, with Jlama's dequantized weights and activations. */
  private static double magnitude(AbstractTensor weights, AbstractTensor x, int row, int cols) {
    double sum = 0;
    for (int c = 0; c < cols; c++) {
      sum += Math.abs((double) weights.get(row, c) * x.get(0, c));
    }
    return sum;
  }

  private static void assertSameProducts(AbstractTensor weights, AbstractTensor x, int cols, int chunkStart, int chunkSize) {
    int rows = weights.shape().first();
    FloatBufferTensor expected = new FloatBufferTensor(1, rows);
    FloatBufferTensor actual = new FloatBufferTensor(1, rows);
    jlama.dotProductChunk(expected, x, weights, 0, cols, chunkStart, chunkSize);
    ours.dotProductChunk(actual, x, weights, 0, cols, chunkStart, chunkSize);
    double worst = 0;
    for (int r = 0; r < rows; r++) {
      if (r < chunkStart || r >= chunkStart + chunkSize) {
        assertEquals(0f, actual.get(0, r), "row " + r + " is outside the chunk and must stay untouched");
        continue;
      }
      double m = magnitude(weights, x, r, cols);
      assertTrue(m > 0, "row " + r + " has products");
      double err = Math.abs(expected.get(0, r) - actual.get(0, r)) / m;
      worst = Math.max(worst, err);
      assertTrue(err < TOLERANCE, "row " + r + ": jlama " + expected.get(0, r) + ", vector kernel " + actual.get(0, r) + " (relative " + err + ")");
    }
    assertTrue(worst > 0 || chunkSize == 0, "two summation orders agreeing to the last bit on every row would mean one path was not run");
  }

  @ParameterizedTest(name = "{0}x{1} rows {2}..+{3}")
  @CsvSource({
    "96, 2048, 0, 96",
    "301, 8192, 5, 290",   // long rows, from an odd start
    "40, 96, 3, 30",       // an odd number of 32-blocks per row
    "265, 512, 0, 265"
  })
  void f32ActivationsGiveJlamasF32Products(int rows, int cols, int chunkStart, int chunkSize) {
    SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
    AbstractTensor weights = new Q4ByteBufferTensor(random(rnd, rows, cols));
    assertSameProducts(weights, random(rnd, 1, cols), cols, chunkStart, chunkSize);
  }

  @ParameterizedTest(name = "{0}x{1}")
  @CsvSource({"128, 2048", "64, 8192", "33, 96"})
  void eightBitActivationsGiveJlamasI8Products(int rows, int cols) {
    SplittableRandom rnd = new SplittableRandom(rows * 17L + cols);
    AbstractTensor weights = new Q4ByteBufferTensor(random(rnd, rows, cols));
    AbstractTensor x = new Q8ByteBufferTensor(random(rnd, 1, cols));
    assertSameProducts(weights, x, cols, 0, rows);
  }

  @Test
  void batchesOfSeveralTokensAreLeftToJlama() {
    SplittableRandom rnd = new SplittableRandom(7);
    AbstractTensor weights = new Q4ByteBufferTensor(random(rnd, 64, 256));
    FloatBufferTensor x = random(rnd, 3, 256);
    FloatBufferTensor expected = new FloatBufferTensor(3, 64);
    FloatBufferTensor actual = new FloatBufferTensor(3, 64);
    jlama.dotProductChunk(expected, x, weights, 0, 256, 0, 64);
    ours.dotProductChunk(actual, x, weights, 0, 256, 0, 64);
    for (int m = 0; m < 3; m++) {
      for (int r = 0; r < 64; r++) {
        assertEquals(expected.get(m, r), actual.get(m, r), "token " + m + " row " + r);
      }
    }
  }

  @Test
  void theProcessWideSwitchInstallsAndRemovesTheKernel() {
    boolean before = Q4VectorOps.active();
    try {
      assertEquals(Q4MatVec.available(), Q4VectorOps.use(true), "installed exactly where the CPU has 512-bit vectors");
      assertEquals(Q4MatVec.available(), Q4VectorOps.active());
      assertEquals(jlama, Q4VectorOps.jlamaOps(), "Jlama's own operations stay reachable underneath");
      assertTrue(!Q4VectorOps.use(false));
      assertTrue(!Q4VectorOps.active());
    } finally {
      Q4VectorOps.use(before);
    }
  }
}
