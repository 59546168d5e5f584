package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integer kernel against Jlama's own 8-bit x Q4 product on random matrices: the activations are quantized to the
 * very bytes and scales Jlama's {@code quantize} gives, and each product agrees with Jlama's up to float rounding (the
 * bound is relative to the row's sum of absolute products, as in {@link Q4VectorOpsTest}). A token's result does not
 * depend on the tokens computed beside it nor on how rows are split: bit for bit.
 */
@SuppressWarnings("rawtypes")
class Q4KernelTest {

  /** Jlama and this kernel add the same exact block products in different orders: float rounding only. */
  private static final double TOLERANCE = 2e-6;

  static TensorOperations jlama;

  @BeforeAll
  static void ops() {
    jlama = Q4VectorOps.jlamaOps();
  }

  private static FloatBufferTensor random(SplittableRandom rnd, int rows, int cols) {
    FloatBufferTensor t = new FloatBufferTensor(rows, cols);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t.set((float) (rnd.nextGaussian() * (1 + c % 7)), r, c);
      }
    }
    return t;
  }

  @ParameterizedTest(name = "{0}x{1}, {2} tokens")
  @CsvSource({
    "64, 2048, 1",     // one token: generation
    "70, 256, 11",     // a tile of eight plus three alone, and a padded last group
    "33, 96, 9",       // an odd number of blocks
    "130, 8192, 16",   // long rows, two tiles of tokens
    "600, 256, 9"      // two tiles of rows, the second partial
  })
  void productsAreJlamasEightBitProducts(int rows, int cols, int tokens) {
    SplittableRandom rnd = new SplittableRandom(rows * 31L + cols + tokens);
    AbstractTensor weights = new Q4ByteBufferTensor(random(rnd, rows, cols));
    FloatBufferTensor x = random(rnd, tokens, cols);
    Q4Packed packed = Q4Packed.of(Q4Matrix.of(weights));
    Q8Activations q = quantize(x, tokens, cols);
    float[] out = new float[tokens * packed.paddedRows];
    Q4Kernel.multiply(packed, q, tokens, 0, packed.groups, out, packed.paddedRows);
    double worst = 0;
    for (int t = 0; t < tokens; t++) {
      FloatBufferTensor row = new FloatBufferTensor(1, cols);
      for (int c = 0; c < cols; c++) {
        row.set(x.get(t, c), 0, c);
      }
      AbstractTensor q8 = jlama.quantize(row, DType.I8, 0, cols);
      for (int i = 0; i < cols; i++) {
        assertEquals(q8.get(0, i), q.value(t, i) * q.scale(t, i / 32), "token " + t + " value " + i + " quantized as Jlama does");
      }
      FloatBufferTensor expected = new FloatBufferTensor(1, rows);
      jlama.dotProductChunk(expected, q8, weights, 0, cols, 0, rows);
      for (int r = 0; r < rows; r++) {
        double magnitude = 0;
        for (int c = 0; c < cols; c++) {
          magnitude += Math.abs((double) weights.get(r, c) * q8.get(0, c));
        }
        double err = Math.abs(expected.get(0, r) - out[t * packed.paddedRows + r]) / magnitude;
        worst = Math.max(worst, err);
        assertTrue(err < TOLERANCE, "token " + t + " row " + r + ": jlama " + expected.get(0, r) + ", ours "
          + out[t * packed.paddedRows + r] + " (relative " + err + ")");
      }
      q8.close();
      for (int r = rows; r < packed.paddedRows; r++) {
        assertEquals(0f, out[t * packed.paddedRows + r], "padding row " + r);
      }
    }
    assertTrue(worst > 0, "two summation orders agreeing to the last bit everywhere would mean one side did not run");
  }

  @Test
  void quantizingGivesJlamasBytesOnEdgeValues() {
    // Blocks of 32: all zero; one value and the rest zero; values whose scaled form lands exactly on .5 both signs
    // (127 / 127 * k + 0.5 for negative k truncates toward zero); tiny and huge magnitudes; subnormals; a random row.
    int cols = 7 * 32;
    float[] row = new float[cols];
    row[32 + 5] = -3.25f;
    for (int i = 0; i < 32; i++) {
      row[64 + i] = (i - 16) * 0.5f;
      row[96 + i] = (i % 2 == 0 ? 1 : -1) * (float) Math.scalb(1.0, -20 + i);
      row[128 + i] = Float.MIN_VALUE * (i - 7);
      row[160 + i] = (i - 15.5f) * 1e30f;
    }
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 192; i < cols; i++) {
      row[i] = (float) rnd.nextGaussian();
    }
    FloatBufferTensor x = new FloatBufferTensor(1, cols);
    for (int i = 0; i < cols; i++) {
      x.set(row[i], 0, i);
    }
    for (int t : new int[] {0, 3, 9}) {
      Q8Activations q = new Q8Activations(cols, 10);
      q.quantize(t, row, 0);
      AbstractTensor q8 = jlama.quantize(x, DType.I8, 0, cols);
      for (int i = 0; i < cols; i++) {
        assertEquals(q8.get(0, i), q.value(t, i) * q.scale(t, i / 32), "slot " + t + " value " + i + " (" + row[i] + ")");
      }
      q8.close();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {11, 12, 13, 14})
  void aTokensResultIsTheSameAloneOrInATilePaddedOrNotAndOnAnySplitOfRows(int tokens) {
    // After one whole tile: 11 leaves three (padded to a half tile when there is room), 12 a half tile, 13 a half tile
    // and one token alone, 14 six (padded to a whole tile when there is room).
    SplittableRandom rnd = new SplittableRandom(5);
    int rows = 700;
    int cols = 256;
    AbstractTensor weights = new Q4ByteBufferTensor(random(rnd, rows, cols));
    FloatBufferTensor x = random(rnd, tokens, cols);
    Q4Packed packed = Q4Packed.of(Q4Matrix.of(weights));
    Q8Activations all = quantize(x, tokens, cols);
    float[] together = new float[tokens * packed.paddedRows];
    Q4Kernel.multiply(packed, all, tokens, 0, 7, together, packed.paddedRows);
    Q4Kernel.multiply(packed, all, tokens, 7, 19, together, packed.paddedRows);
    Q4Kernel.multiply(packed, all, tokens, 19, packed.groups, together, packed.paddedRows);
    // With room for a whole last tile, the padded runs: the same bits.
    float[] roomy = new float[16 * packed.paddedRows];
    Q4Kernel.multiply(packed, all, tokens, 0, packed.groups, roomy, packed.paddedRows);
    for (int i = 0; i < together.length; i++) {
      assertEquals(Float.floatToRawIntBits(together[i]), Float.floatToRawIntBits(roomy[i]), "value " + i + " with a padded tile");
    }
    for (int t = 0; t < tokens; t++) {
      Q8Activations one = new Q8Activations(cols, 1);
      float[] row = new float[cols];
      for (int c = 0; c < cols; c++) {
        row[c] = x.get(t, c);
      }
      one.quantize(0, row, 0);
      float[] alone = new float[packed.paddedRows];
      Q4Kernel.multiply(packed, one, 1, 0, packed.groups, alone, packed.paddedRows);
      for (int r = 0; r < rows; r++) {
        assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(together[t * packed.paddedRows + r]),
          "token " + t + " row " + r + ": " + alone[r] + " alone, " + together[t * packed.paddedRows + r] + " in a tile");
      }
    }
  }

  @Test
  void stackedMatricesAreTheirRowsInOrder() {
    SplittableRandom rnd = new SplittableRandom(9);
    AbstractTensor a = new Q4ByteBufferTensor(random(rnd, 40, 128));
    AbstractTensor b = new Q4ByteBufferTensor(random(rnd, 24, 128));
    Q4Packed both = Q4Packed.of(Q4Matrix.of(a), Q4Matrix.of(b));
    Q4Packed first = Q4Packed.of(Q4Matrix.of(a));
    Q4Packed second = Q4Packed.of(Q4Matrix.of(b));
    assertEquals(64, both.rows);
    Q8Activations x = quantize(random(rnd, 1, 128), 1, 128);
    float[] out = new float[both.paddedRows];
    float[] outA = new float[first.paddedRows];
    float[] outB = new float[second.paddedRows];
    Q4Kernel.multiply(both, x, 1, 0, both.groups, out, both.paddedRows);
    Q4Kernel.multiply(first, x, 1, 0, first.groups, outA, first.paddedRows);
    Q4Kernel.multiply(second, x, 1, 0, second.groups, outB, second.paddedRows);
    for (int r = 0; r < 40; r++) {
      assertEquals(outA[r], out[r], "row " + r + " of the first");
    }
    for (int r = 0; r < 24; r++) {
      assertEquals(outB[r], out[40 + r], "row " + r + " of the second");
    }
  }

  @Test
  void eachUnitHoldsItsWeightBytesThenItsScalesInOneRun() {
    // One stream per tile: a (block, group) unit's 32 scales follow its 512 weight bytes, so the lone token's product
    // reads one contiguous run of memory per tile, not a second run for the scales.
    SplittableRandom rnd = new SplittableRandom(13);
    int rows = 600;
    int cols = 256;
    Q4ByteBufferTensor weights = new Q4ByteBufferTensor(random(rnd, rows, cols));
    Q4Packed packed = Q4Packed.of(Q4Matrix.of(weights));
    assertEquals((long) packed.groups * packed.blocks * Q4Packed.UNIT_BYTES, packed.bytes());
    for (int r = 0; r < packed.paddedRows; r++) {
      for (int b = 0; b < packed.blocks; b++) {
        int unit = packed.unit(b, r / Q4Packed.GROUP);
        int lane = r % Q4Packed.GROUP;
        float scale = r < rows ? weights.getBlockF().get(r, b) : 0f;
        assertEquals(scale, packed.scale(unit, lane), "scale of row " + r + ", block " + b);
        for (int j = 0; j < 16; j++) {
          int stored = packed.weights[unit * Q4Packed.UNIT_BYTES + j * Q4Packed.GROUP + lane] & 0xFF;
          if (r < rows) {
            // Jlama's weight j in the low nibble and j + 16 in the high one, each stored as value + 8.
            assertEquals(weights.get(r, 32 * b + j), ((stored & 0xF) - 8) * scale, "row " + r + ", weight " + (32 * b + j));
            assertEquals(weights.get(r, 32 * b + j + 16), ((stored >> 4) - 8) * scale, "row " + r + ", weight " + (32 * b + j + 16));
          } else {
            assertEquals(0, stored, "padding row " + r + ", block " + b + ", byte " + j);
          }
        }
      }
    }
  }

  private static Q8Activations quantize(FloatBufferTensor x, int tokens, int cols) {
    Q8Activations q = new Q8Activations(cols, tokens);
    float[] row = new float[cols];
    for (int t = 0; t < tokens; t++) {
      for (int c = 0; c < cols; c++) {
        row[c] = x.get(t, c);
      }
      q.quantize(t, row, 0);
    }
    return q;
  }
}
