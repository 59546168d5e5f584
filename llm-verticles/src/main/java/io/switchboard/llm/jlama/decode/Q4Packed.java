package io.switchboard.llm.jlama.decode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One or more Jlama Q4 matrices with the same number of columns, stacked row-wise and rearranged for {@link Q4Kernel}:
 * rows in groups of 32 (the last group padded with zero rows), groups in tiles of {@link #TILE} (the last tile may be
 * smaller). Within a tile, block by block (32 columns each): for block {@code b} and group {@code g}, 512 bytes hold
 * byte {@code j} (0..15) of that block for each of the 32 rows, one after the other, each byte with Jlama's two nibbles
 * (weight {@code j} low, weight {@code j + 16} high, both stored as value + 8), then the 32 rows' scales of that
 * block as floats (128 bytes, little-endian: the order in which the Vector API's {@code reinterpretAsFloats} reads
 * them, whatever the platform's). One 32-byte load then gives byte {@code j} of 32 rows, so the kernel works with one
 * row per 16-bit lane; a thread that takes whole tiles reads one contiguous run of memory per tile, scales included
 * (the hardware prefetchers' best case: one stream, not a second one for the scales), and a prompt's token tiles
 * re-read a tile from the cache.
 * <p>
 * The copy lives on the Java heap (byte arrays index without bounds checks inside the kernel's loops, where a memory
 * segment's offsets are checked on every access): as many bytes as the Q4 weights, plus a quarter for the scales.
 */
final class Q4Packed {

  static final int GROUP = 32;
  /** Groups per tile: 512 rows. */
  static final int TILE = 16;
  private static final int BYTES_PER_BLOCK = Q4MatVec.BLOCK / 2;
  /** Bytes of a (block, group) unit's weights: 16 bytes of 32 rows. */
  static final int WEIGHT_BYTES = GROUP * BYTES_PER_BLOCK;
  /** Bytes of a (block, group) unit: its weights, then its 32 scales. */
  static final int UNIT_BYTES = WEIGHT_BYTES + 4 * GROUP;
  private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

  /** Every unit's weights and scales, in storage order ({@link #unit}). */
  final byte[] weights;
  final int rows;
  final int paddedRows;
  final int groups;
  final int cols;
  final int blocks;

  private Q4Packed(byte[] weights, int rows, int cols) {
    this.weights = weights;
    this.rows = rows;
    this.groups = (rows + GROUP - 1) / GROUP;
    this.paddedRows = groups * GROUP;
    this.cols = cols;
    this.blocks = cols / Q4MatVec.BLOCK;
  }

  /** The rows of {@code parts}, in order, as one packed matrix; every part has the same number of columns. */
  static Q4Packed of(Q4Matrix... parts) {
    int cols = parts[0].cols;
    long rows = 0;
    for (Q4Matrix m : parts) {
      if (m.cols != cols) {
        throw new IllegalArgumentException("stacked matrices differ in width: " + m.cols + " and " + cols);
      }
      rows += m.rows;
    }
    long padded = (rows + GROUP - 1) / GROUP * GROUP;
    long units = padded / GROUP * (cols / Q4MatVec.BLOCK);
    if (units * UNIT_BYTES > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a matrix of " + rows + "x" + cols + " is too large to pack");
    }
    Q4Packed p = new Q4Packed(new byte[(int) (units * UNIT_BYTES)], (int) rows, cols);
    byte[] row = new byte[cols / 2];
    int at = 0;
    for (Q4Matrix m : parts) {
      for (int r = 0; r < m.rows; r++, at++) {
        MemorySegment.copy(m.weights, ValueLayout.JAVA_BYTE, m.weightsAt + r * m.rowBytes, row, 0, row.length);
        p.put(at, row, m, r);
      }
    }
    return p;
  }

  private void put(int at, byte[] row, Q4Matrix m, int r) {
    int g = at / GROUP;
    int lane = at % GROUP;
    for (int b = 0; b < blocks; b++) {
      int k = unit(b, g);
      for (int j = 0; j < BYTES_PER_BLOCK; j++) {
        weights[k * UNIT_BYTES + j * GROUP + lane] = row[b * BYTES_PER_BLOCK + j];
      }
      FLOATS.set(weights, k * UNIT_BYTES + WEIGHT_BYTES + 4 * lane, m.scales.get(Q4MatVec.FLOAT, m.scalesAt + r * m.scaleRowBytes + 4L * b));
    }
  }

  /** Index of the (block, group) unit in storage order: 512 weight bytes and 32 scales each ({@link #UNIT_BYTES}). */
  int unit(int b, int g) {
    int tile = g / TILE;
    return tile * TILE * blocks + b * tileGroups(tile) + g % TILE;
  }

  /** Groups in tile {@code tile} (the last one may hold fewer). */
  int tileGroups(int tile) {
    return Math.min(TILE, groups - tile * TILE);
  }

  /** Bytes held: weights and scales. */
  long bytes() {
    return weights.length;
  }

  /** The scale of row {@code lane} of the (block, group) unit {@code unit} (for tests). */
  float scale(int unit, int lane) {
    return (float) FLOATS.get(weights, unit * UNIT_BYTES + WEIGHT_BYTES + 4 * lane);
  }
}
