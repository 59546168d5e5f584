package io.switchboard.llm.jlama.decode;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One or more Jlama Q4 matrices with the same number of columns, stacked row-wise and rearranged for {@link Q4Kernel}:
 * rows in groups of 32 (the last group padded with zero rows), groups in tiles of {@link #TILE} (the last tile may be
 * smaller). Within a tile, block by block (32 columns each): for block {@code b} and group {@code g}, 512 bytes hold
 * byte {@code j} (0..15) of that block for each of the 32 rows, one after the other, each byte with Jlama's two nibbles
 * (weight {@code j} low, weight {@code j + 16} high, both stored as value + 8). One 32-byte load then gives byte
 * {@code j} of 32 rows, so the kernel works with one row per 16-bit lane; a thread that takes whole tiles reads one
 * contiguous run of memory per tile (the hardware prefetchers' best case), and a prompt's token tiles re-read a tile
 * from the cache. Scales follow the same order, 32 floats per group and block.
 * <p>
 * The copy lives on the Java heap (byte arrays index without bounds checks inside the kernel's loops, where a memory
 * segment's offsets are checked on every access): as many bytes as the Q4 weights, plus a quarter for the scales.
 */
final class Q4Packed {

  static final int GROUP = 32;
  /** Groups per tile: 512 rows. */
  static final int TILE = 16;
  private static final int BYTES_PER_BLOCK = Q4MatVec.BLOCK / 2;

  final byte[] weights;
  final float[] scales;
  final int rows;
  final int paddedRows;
  final int groups;
  final int cols;
  final int blocks;

  private Q4Packed(byte[] weights, float[] scales, int rows, int cols) {
    this.weights = weights;
    this.scales = scales;
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
    if (padded * cols / 2 > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a matrix of " + rows + "x" + cols + " is too large to pack");
    }
    int blocks = cols / Q4MatVec.BLOCK;
    Q4Packed p = new Q4Packed(new byte[(int) (padded * cols / 2)], new float[(int) padded * blocks], (int) rows, cols);
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
        weights[k * GROUP * BYTES_PER_BLOCK + j * GROUP + lane] = row[b * BYTES_PER_BLOCK + j];
      }
      scales[k * GROUP + lane] = m.scales.get(Q4MatVec.FLOAT, m.scalesAt + r * m.scaleRowBytes + 4L * b);
    }
  }

  /** Index of the (block, group) unit in storage order: 512 weight bytes and 32 scales each. */
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
    return weights.length + 4L * scales.length;
  }
}
