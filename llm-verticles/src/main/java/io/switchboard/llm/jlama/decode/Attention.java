package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.safetensors.Config;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary positions and causal attention over a {@link KvSequence}, for one token and one query head at a time. The
 * arithmetic follows Jlama 0.8.4's {@code CausalSelfAttention}: the same rotary table and its way of indexing it (per
 * key/value head for the queries, which rotates every query head of a group by the same extra angle and so leaves the
 * scores unchanged), scores {@code (q . k) * scale}, softmax, values weighted by it; the operations and their order
 * depend only on the token's position, never on which tokens run beside it, so a prompt's keys and values equal a
 * generation's bit for bit. Keys are stored transposed in the pages: 16 positions' scores come from one vector
 * multiply-add per dimension, with no horizontal sums.
 */
final class Attention {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  private static final int P = KvPage.POSITIONS;

  private final Config c;
  private final float[][] rope;
  private final float scale;

  Attention(Config c, float scale) {
    this.c = c;
    this.rope = c.ropeFreqs.orElse(null);
    this.scale = scale;
  }

  /** Rotates every query head of {@code q[at ..]} for {@code position}. */
  void rotateQuery(float[] q, int at, int position) {
    if (rope == null) {
      return;
    }
    int half = c.headSize / 2;
    for (int h = 0; h < c.numberOfHeads; h++) {
      rotate(q, at + h * c.headSize, half, position * half + c.maybeMapToGroupHead(h) * c.headSize);
    }
  }

  /** Rotates the keys {@code k[kAt ..]} for {@code position} and stores them and the values {@code v[vAt ..]} in the sequence. */
  void store(float[] k, int kAt, float[] v, int vAt, int layer, int position, KvSequence kv) {
    int half = c.headSize / 2;
    if (rope != null) {
      for (int h = 0; h < c.numberOfKeyValueHeads; h++) {
        rotate(k, kAt + h * c.headSize, half, position * half + h * c.headSize);
      }
    }
    float[] page = kv.page(position / P).layers[layer];
    int slot = position % P;
    int kvLength = c.kvLength;
    for (int d = 0; d < kvLength; d++) {
      page[d * P + slot] = k[kAt + d];
    }
    System.arraycopy(v, vAt, page, P * kvLength + slot * kvLength, kvLength);
  }

  private void rotate(float[] x, int at, int half, int from) {
    for (int i = 0; i < half; i++) {
      float[] f = rope[from + i];
      float x0 = x[at + i];
      float x1 = x[at + i + half];
      x[at + i] = x0 * f[0] - x1 * f[1];
      x[at + i + half] = x0 * f[1] + x1 * f[0];
    }
  }

  /** Query heads that share a key/value head. */
  int groupSize() {
    return c.numberOfHeads / c.numberOfKeyValueHeads;
  }

  /**
   * The query heads of key/value head {@code g} (already rotated, in {@code q[qAt + h * headSize ..]}) for the token at
   * {@code position}, attending to positions {@code [0, position]} of {@code layer}: writes their outputs to
   * {@code out[outAt + h * headSize ..]}. The heads of a group share every key and value load; each head's arithmetic
   * is its own and in a fixed order. {@code scores} holds at least {@code groupSize * (position + 16)} floats.
   */
  void group(int g, float[] q, int qAt, int position, int layer, KvSequence kv, float[] out, int outAt, float[] scores) {
    int size = c.headSize;
    int heads = groupSize();
    int n = position + 1;
    int pages = (n + P - 1) / P;
    int padded = pages * P;
    int kvAt = g * size;
    for (int first = 0; first < heads; first += 4) {
      int count = Math.min(4, heads - first);
      scores(g * heads + first, count, q, qAt, kvAt, pages, layer, kv, scores, padded);
    }
    for (int i = 0; i < heads; i++) {
      softmax(scores, i * padded, n, padded);
    }
    for (int i = 0; i < heads; i++) {
      int dc = 0;
      for (; dc + 4 * F.length() <= size; dc += 4 * F.length()) {
        values4(scores, i * padded, n, layer, kv, kvAt + dc, out, outAt + (g * heads + i) * size + dc);
      }
      for (; dc < size; dc += F.length()) {
        values1(scores, i * padded, n, layer, kv, kvAt + dc, out, outAt + (g * heads + i) * size + dc);
      }
    }
  }

  /** {@code out[at .. at + 64) = sum over positions p of w[p] * value(p)[dim .. dim + 64)}, positions in order. */
  private void values4(float[] w, int wAt, int n, int layer, KvSequence kv, int dim, float[] out, int at) {
    int base = P * c.kvLength + dim;
    int stride = c.kvLength;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    for (int pg = 0; pg * P < n; pg++) {
      float[] page = kv.page(pg).layers[layer];
      int end = Math.min(P, n - pg * P);
      for (int slot = 0; slot < end; slot++) {
        FloatVector x = FloatVector.broadcast(F, w[wAt + pg * P + slot]);
        int v = base + slot * stride;
        a0 = x.fma(FloatVector.fromArray(F, page, v), a0);
        a1 = x.fma(FloatVector.fromArray(F, page, v + 16), a1);
        a2 = x.fma(FloatVector.fromArray(F, page, v + 32), a2);
        a3 = x.fma(FloatVector.fromArray(F, page, v + 48), a3);
      }
    }
    a0.intoArray(out, at);
    a1.intoArray(out, at + 16);
    a2.intoArray(out, at + 32);
    a3.intoArray(out, at + 48);
  }

  /** {@link #values4} for 16 dimensions. */
  private void values1(float[] w, int wAt, int n, int layer, KvSequence kv, int dim, float[] out, int at) {
    int base = P * c.kvLength + dim;
    FloatVector a = FloatVector.zero(F);
    for (int pg = 0; pg * P < n; pg++) {
      float[] page = kv.page(pg).layers[layer];
      int end = Math.min(P, n - pg * P);
      for (int slot = 0; slot < end; slot++) {
        a = FloatVector.broadcast(F, w[wAt + pg * P + slot]).fma(FloatVector.fromArray(F, page, base + slot * c.kvLength), a);
      }
    }
    a.intoArray(out, at);
  }

  /** {@code (q . k) * scale} of up to four query heads from {@code head}, for every position of the first {@code pages} pages, into rows of {@code padded} scores. */
  private void scores(int head, int count, float[] q, int qAt, int kvAt, int pages, int layer, KvSequence kv, float[] scores, int padded) {
    int size = c.headSize;
    int q0 = qAt + head * size;
    int q1 = q0 + (count > 1 ? size : 0);
    int q2 = q0 + (count > 2 ? 2 * size : 0);
    int q3 = q0 + (count > 3 ? 3 * size : 0);
    int row = (head % groupSize()) * padded;
    for (int pg = 0; pg < pages; pg++) {
      float[] page = kv.page(pg).layers[layer];
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int d = 0; d < size; d++) {
        FloatVector k = FloatVector.fromArray(F, page, (kvAt + d) * P);
        a0 = FloatVector.broadcast(F, q[q0 + d]).fma(k, a0);
        a1 = FloatVector.broadcast(F, q[q1 + d]).fma(k, a1);
        a2 = FloatVector.broadcast(F, q[q2 + d]).fma(k, a2);
        a3 = FloatVector.broadcast(F, q[q3 + d]).fma(k, a3);
      }
      int at = row + pg * P;
      a0.mul(scale).intoArray(scores, at);
      if (count > 1) {
        a1.mul(scale).intoArray(scores, at + padded);
      }
      if (count > 2) {
        a2.mul(scale).intoArray(scores, at + 2 * padded);
      }
      if (count > 3) {
        a3.mul(scale).intoArray(scores, at + 3 * padded);
      }
    }
  }

  /** Softmax of {@code s[from, from + n)} in place; {@code s[from + n, from + padded)} (the rest of the last page) is zeroed. */
  private static void softmax(float[] s, int from, int n, int padded) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      max = Math.max(max, s[i]);
    }
    FloatVector m = FloatVector.broadcast(F, max);
    for (int i = from; i < from + padded; i += P) {
      FixedMath.exp(FloatVector.fromArray(F, s, i).sub(m)).intoArray(s, i);
    }
    java.util.Arrays.fill(s, from + n, from + padded, 0f);
    FloatVector sum = FloatVector.zero(F);
    for (int i = from; i < from + padded; i += P) {
      sum = sum.add(FloatVector.fromArray(F, s, i));
    }
    FloatVector total = FloatVector.broadcast(F, FixedMath.sum(sum));
    for (int i = from; i < from + padded; i += P) {
      FloatVector.fromArray(F, s, i).div(total).intoArray(s, i);
    }
  }
}
