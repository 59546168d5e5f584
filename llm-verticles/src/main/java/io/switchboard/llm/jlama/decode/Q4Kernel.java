package io.switchboard.llm.jlama.decode;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q4Packed} weights times {@link Q8Activations}, in 16-bit integer lanes with the JDK's Vector API at 512 bits:
 * one lane per row, 32 rows per register. For each block, each of its 16 byte positions costs one load (32 rows' bytes),
 * one widening, one shift and two 16-bit multiply-adds per token against broadcast activations; a block's integer dot
 * product of every row then becomes a float once, times weight scale times activation scale, added to the row's
 * result. That is about three vector operations per row and block, against eight or more for a float kernel (which
 * must convert every weight to a float): one token (generation) runs at the speed memory delivers the weights, and
 * several tokens (a prompt) share each weight load among eight tokens.
 * <p>
 * The integer part is exact: {@code |sum over a block of (nibble - 8) * q| <= 32 * 8 * 127} fits 16 bits, and the
 * wrap-around of intermediate sums cancels out. So a row's result for a token depends only on that row and that token:
 * {@code out = 0; for each block b in order: out = fma(dot(b), weightScale(b) * activationScale(b), out)}, the same
 * operations in the same order whether the token runs alone or among others, on any thread. That is what lets a prompt's
 * cached keys and values (computed in a batch) stand in for a generation's (computed one token at a time) bit for bit.
 */
final class Q4Kernel {

  /** Tokens that share one pass over the weights. */
  static final int TILE = 8;
  /** The tokens of a half tile: what is left of a block after its whole tiles, when there are at least this many. */
  static final int HALF = TILE / 2;

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
  private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
  /** 64 bytes: 16 of a unit's scales, reinterpreted as floats. */
  private static final VectorSpecies<Byte> SCALES = ByteVector.SPECIES_512;
  private static final int SCALES_AT = Q4Packed.WEIGHT_BYTES;

  private Q4Kernel() {
  }

  /** True when the CPU runs 512-bit vectors natively (the kernel is emulated, and slow, elsewhere). */
  static boolean available() {
    return Q4MatVec.available();
  }

  /**
   * {@code out[t * stride + row] = row . x(token t)} for tokens {@code [0, tokens)} and the rows of groups
   * {@code [groupStart, groupEnd)}; rows of the padding are written too (as 0). Tile by tile, each tile's blocks in
   * order for every token (the tile stays in the cache while the tokens pass).
   */
  static void multiply(Q4Packed m, Q8Activations x, int tokens, int groupStart, int groupEnd, float[] out, int stride) {
    tokens = withPadding(x, tokens, out, stride);
    for (int t = 0; t < tokens; t++) {
      java.util.Arrays.fill(out, t * stride + groupStart * Q4Packed.GROUP, t * stride + groupEnd * Q4Packed.GROUP, 0f);
    }
    for (int tile = groupStart / Q4Packed.TILE; tile * Q4Packed.TILE < groupEnd; tile++) {
      int first = tile * Q4Packed.TILE;
      int g0 = Math.max(groupStart, first);
      int g1 = Math.min(groupEnd, first + m.tileGroups(tile));
      int t = 0;
      for (; t + TILE <= tokens; t += TILE) {
        for (int b = 0; b < m.blocks; b++) {
          tile(m, b, x, t, g0, g1, out, stride);
        }
      }
      if (tokens - t >= HALF) {
        for (int b = 0; b < m.blocks; b++) {
          half(m, b, x, t, g0, g1, out, stride);
        }
        t += HALF;
      }
      for (; t < tokens; t++) {
        for (int b = 0; b < m.blocks; b++) {
          one(m, b, x, t, g0, g1, out, t * stride);
        }
      }
    }
  }

  /**
   * The tokens to run: {@code tokens}, or rounded up when {@code x} and {@code out} have room and the padding is the
   * cheaper: to a whole tile when six or seven tokens are left after the whole tiles, to a half tile when three are. A
   * tile costs about as much as four tokens alone (each alone pays the weights' loads and widening again) and a half
   * tile a little over two, so a 54-token block runs as 56 in tiles, a 44-token one as five tiles and a half (not 48),
   * a 45-token one as that and one token alone. The padding tokens' slots hold whatever was quantized there before, and
   * their rows of {@code out} are written and unused. Each token's result is the same either way: a tile and a half
   * tile do the one-token arithmetic for each of their tokens.
   */
  private static int withPadding(Q8Activations x, int tokens, float[] out, int stride) {
    int rest = tokens % TILE;
    int padded = rest >= TILE - 2 ? tokens - rest + TILE : rest == HALF - 1 ? tokens + 1 : tokens;
    if (padded > tokens && padded <= x.slots && (long) padded * stride <= out.length) {
      return padded;
    }
    return tokens;
  }

  /** Block {@code b} of groups {@code [g0, g1)} (within one tile) for token {@code t}, added into {@code out[outAt + row]}. */
  private static void one(Q4Packed m, int b, Q8Activations x, int t, int g0, int g1, float[] out, int outAt) {
    byte[] w = m.weights;
    int[] p = x.p;
    int[] d = x.d;
    int k = x.at(t, b);
    ShortVector correction = ShortVector.broadcast(S, x.correction[x.scaleAt(t, b)]);
    FloatVector scale = FloatVector.broadcast(F, x.scale[x.scaleAt(t, b)]);
    int unit = m.unit(b, g0);
    for (int g = g0; g < g1; g++, unit++) {
      int wg = unit * Q4Packed.UNIT_BYTES;
      // Four accumulators, not one: with one, the block's 32 additions form a single chain whose latency bounds a lone
      // token (a tile's eight tokens have eight chains). The sums are modulo 2^16, so the order changes nothing.
      ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      for (int j = 0; j < 16; j += 2) {
        ShortVector v = (ShortVector) ByteVector.fromArray(B, w, wg + 32 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
        ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
        ShortVector u = (ShortVector) ByteVector.fromArray(B, w, wg + 32 * j + 32).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
        ShortVector e = u.lanewise(VectorOperators.LSHR, 4);
        int i = k + TILE * j;
        a0 = a0.add(v.mul(IntVector.broadcast(I, p[i]).reinterpretAsShorts()));
        a1 = a1.add(h.mul(IntVector.broadcast(I, d[i]).reinterpretAsShorts()));
        a2 = a2.add(u.mul(IntVector.broadcast(I, p[i + TILE]).reinterpretAsShorts()));
        a3 = a3.add(e.mul(IntVector.broadcast(I, d[i + TILE]).reinterpretAsShorts()));
      }
      int row = g * Q4Packed.GROUP;
      int at = outAt + row;
      ShortVector dot = a0.add(a1).add(a2.add(a3)).sub(correction);
      ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(ByteVector.fromArray(SCALES, w, wg + SCALES_AT).reinterpretAsFloats().mul(scale),
        FloatVector.fromArray(F, out, at)).intoArray(out, at);
      ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(ByteVector.fromArray(SCALES, w, wg + SCALES_AT + 64).reinterpretAsFloats().mul(scale),
        FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
    }
  }

  /** Block {@code b} of groups {@code [g0, g1)} (within one tile) for tokens {@code [t, t + 8)}; token {@code t + i} adds into {@code out[(t + i) * stride + row]}. */
  private static void tile(Q4Packed m, int b, Q8Activations x, int t, int g0, int g1, float[] out, int stride) {
    byte[] w = m.weights;
    int[] p = x.p;
    int[] d = x.d;
    short[] correction = x.correction;
    float[] activationScale = x.scale;
    int k = x.at(t, b);
    int c = x.scaleAt(t, b);
    int unit = m.unit(b, g0);
    for (int g = g0; g < g1; g++, unit++) {
      int wg = unit * Q4Packed.UNIT_BYTES;
      ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (int j = 0; j < 16; j++) {
        ShortVector v = (ShortVector) ByteVector.fromArray(B, w, wg + 32 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
        ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
        int i = k + TILE * j;
        a0 = a0.add(v.mul(IntVector.broadcast(I, p[i]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i]).reinterpretAsShorts()));
        a1 = a1.add(v.mul(IntVector.broadcast(I, p[i + 1]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 1]).reinterpretAsShorts()));
        a2 = a2.add(v.mul(IntVector.broadcast(I, p[i + 2]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 2]).reinterpretAsShorts()));
        a3 = a3.add(v.mul(IntVector.broadcast(I, p[i + 3]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 3]).reinterpretAsShorts()));
        a4 = a4.add(v.mul(IntVector.broadcast(I, p[i + 4]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 4]).reinterpretAsShorts()));
        a5 = a5.add(v.mul(IntVector.broadcast(I, p[i + 5]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 5]).reinterpretAsShorts()));
        a6 = a6.add(v.mul(IntVector.broadcast(I, p[i + 6]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 6]).reinterpretAsShorts()));
        a7 = a7.add(v.mul(IntVector.broadcast(I, p[i + 7]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 7]).reinterpretAsShorts()));
      }
      int row = g * Q4Packed.GROUP;
      FloatVector s0 = ByteVector.fromArray(SCALES, w, wg + SCALES_AT).reinterpretAsFloats();
      FloatVector s1 = ByteVector.fromArray(SCALES, w, wg + SCALES_AT + 64).reinterpretAsFloats();
      {
        ShortVector dot = a0.sub(ShortVector.broadcast(S, correction[c]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c]);
        int at = (t + 0) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a1.sub(ShortVector.broadcast(S, correction[c + 1]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 1]);
        int at = (t + 1) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a2.sub(ShortVector.broadcast(S, correction[c + 2]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 2]);
        int at = (t + 2) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a3.sub(ShortVector.broadcast(S, correction[c + 3]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 3]);
        int at = (t + 3) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a4.sub(ShortVector.broadcast(S, correction[c + 4]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 4]);
        int at = (t + 4) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a5.sub(ShortVector.broadcast(S, correction[c + 5]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 5]);
        int at = (t + 5) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a6.sub(ShortVector.broadcast(S, correction[c + 6]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 6]);
        int at = (t + 6) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a7.sub(ShortVector.broadcast(S, correction[c + 7]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 7]);
        int at = (t + 7) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
    }
  }

  /** As {@link #tile}, for the four tokens {@code [t, t + 4)} of a half tile. */
  private static void half(Q4Packed m, int b, Q8Activations x, int t, int g0, int g1, float[] out, int stride) {
    byte[] w = m.weights;
    int[] p = x.p;
    int[] d = x.d;
    short[] correction = x.correction;
    float[] activationScale = x.scale;
    int k = x.at(t, b);
    int c = x.scaleAt(t, b);
    int unit = m.unit(b, g0);
    for (int g = g0; g < g1; g++, unit++) {
      int wg = unit * Q4Packed.UNIT_BYTES;
      ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      for (int j = 0; j < 16; j++) {
        ShortVector v = (ShortVector) ByteVector.fromArray(B, w, wg + 32 * j).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
        ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
        int i = k + TILE * j;
        a0 = a0.add(v.mul(IntVector.broadcast(I, p[i]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i]).reinterpretAsShorts()));
        a1 = a1.add(v.mul(IntVector.broadcast(I, p[i + 1]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 1]).reinterpretAsShorts()));
        a2 = a2.add(v.mul(IntVector.broadcast(I, p[i + 2]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 2]).reinterpretAsShorts()));
        a3 = a3.add(v.mul(IntVector.broadcast(I, p[i + 3]).reinterpretAsShorts())).add(h.mul(IntVector.broadcast(I, d[i + 3]).reinterpretAsShorts()));
      }
      int row = g * Q4Packed.GROUP;
      FloatVector s0 = ByteVector.fromArray(SCALES, w, wg + SCALES_AT).reinterpretAsFloats();
      FloatVector s1 = ByteVector.fromArray(SCALES, w, wg + SCALES_AT + 64).reinterpretAsFloats();
      {
        ShortVector dot = a0.sub(ShortVector.broadcast(S, correction[c]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c]);
        int at = (t + 0) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a1.sub(ShortVector.broadcast(S, correction[c + 1]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 1]);
        int at = (t + 1) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a2.sub(ShortVector.broadcast(S, correction[c + 2]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 2]);
        int at = (t + 2) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
      {
        ShortVector dot = a3.sub(ShortVector.broadcast(S, correction[c + 3]));
        FloatVector scale = FloatVector.broadcast(F, activationScale[c + 3]);
        int at = (t + 3) * stride + row;
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(scale), FloatVector.fromArray(F, out, at)).intoArray(out, at);
        ((FloatVector) dot.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(scale), FloatVector.fromArray(F, out, at + 16)).intoArray(out, at + 16);
      }
    }
  }
}
