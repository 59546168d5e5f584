package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.safetensors.Config;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary positions and causal attention over a {@link KvSequence}, for a tile of tokens and one key/value head at a
 * time. The arithmetic follows Jlama 0.8.4's {@code CausalSelfAttention}: the same rotary table and its way of
 * indexing it (per key/value head for the queries, which rotates every query head of a group by the same extra angle
 * and so leaves the scores unchanged), scores {@code (q . k) * scale}, softmax, values weighted by it; the operations
 * and their order depend only on the token's position, never on which tokens run beside it, so a prompt's keys and
 * values equal a generation's bit for bit. Keys are stored transposed in the pages: 16 positions' scores come from
 * one vector multiply-add per dimension, with no horizontal sums.
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
   * The query heads of key/value head {@code g} for {@code count} consecutive tokens at positions {@code position,
   * position + 1, ..}, each attending to the positions up to its own of {@code layer}: token {@code t}'s rotated queries
   * are in {@code q[qAt + t * qStride + h * headSize ..]} and its outputs go to {@code out[outAt + t * outStride + h *
   * headSize ..]}. The tokens form one tile over the keys and values: each page of keys, then of values, is read once
   * for the whole tile and stays in the cache while every token's heads pass over it (page by page, so a long prompt
   * does not stream its whole cache once per token), with the causal mask applied per page (a token skips the pages
   * after its own position). Each token's arithmetic is the one-token order all the same: its scores over the
   * dimensions in order, its softmax, its values summed position by position from the first (the accumulators live in
   * {@code out} between pages), so a token's result never depends on which tokens share its tile.
   * {@code scores} holds at least {@link #scoresNeeded} floats.
   */
  void group(int g, int count, float[] q, int qAt, int qStride, int position, int layer, KvSequence kv, float[] out, int outAt,
             int outStride, float[] scores) {
    int size = c.headSize;
    int heads = groupSize();
    int lastPages = (position + count - 1) / P + 1;
    int rowLength = lastPages * P;
    int kvAt = g * size;
    for (int pg = 0; pg < lastPages; pg++) {
      float[] page = kv.page(pg).layers[layer];
      int t = firstToken(pg, position);
      // Two tokens at a time share each key load and keep eight independent sums in flight; each score is summed
      // over the dimensions in the same order as alone.
      for (; t + 1 < count; t += 2) {
        int row = t * heads * rowLength + pg * P;
        for (int first = 0; first < heads; first += 4) {
          int q0 = qAt + t * qStride + (g * heads + first) * size;
          scores2(page, Math.min(4, heads - first), q, q0, q0 + qStride, kvAt, scores, row + first * rowLength,
            row + (heads + first) * rowLength, rowLength);
        }
      }
      for (; t < count; t++) {
        int row = t * heads * rowLength + pg * P;
        for (int first = 0; first < heads; first += 4) {
          scores(page, Math.min(4, heads - first), q, qAt + t * qStride + (g * heads + first) * size, kvAt, scores,
            row + first * rowLength, rowLength);
        }
      }
    }
    for (int t = 0; t < count; t++) {
      int n = position + t + 1;
      int padded = (n + P - 1) / P * P;
      for (int i = 0; i < heads; i++) {
        softmax(scores, (t * heads + i) * rowLength, n, padded);
      }
    }
    for (int pg = 0; pg < lastPages; pg++) {
      float[] page = kv.page(pg).layers[layer];
      for (int t = firstToken(pg, position); t < count; t++) {
        int end = Math.min(P, position + t + 1 - pg * P);
        int i = 0;
        // Two heads at a time share each value load and keep eight independent sums in flight (four would wait on
        // the multiply-add latency); each head's sum is the same as alone.
        for (; i + 1 < heads && size % (4 * F.length()) == 0; i += 2) {
          int w = (t * heads + i) * rowLength + pg * P;
          int o = outAt + t * outStride + (g * heads + i) * size;
          for (int dc = 0; dc < size; dc += 4 * F.length()) {
            values4x2(scores, w, w + rowLength, end, page, kvAt + dc, out, o + dc, o + size + dc, pg == 0);
          }
        }
        for (; i < heads; i++) {
          int w = (t * heads + i) * rowLength + pg * P;
          int o = outAt + t * outStride + (g * heads + i) * size;
          int dc = 0;
          for (; dc + 4 * F.length() <= size; dc += 4 * F.length()) {
            values4(scores, w, end, page, kvAt + dc, out, o + dc, pg == 0);
          }
          for (; dc < size; dc += F.length()) {
            values1(scores, w, end, page, kvAt + dc, out, o + dc, pg == 0);
          }
        }
      }
    }
  }

  /** Floats of scores {@link #group} needs for {@code count} tokens from {@code position}. */
  int scoresNeeded(int count, int position) {
    return count * groupSize() * ((position + count - 1) / P + 1) * P;
  }

  /** The first token of a tile from {@code position} that sees page {@code pg} (the earlier ones end before it). */
  private static int firstToken(int pg, int position) {
    return Math.max(0, pg * P - position);
  }

  /**
   * {@code out[at .. at + 64) += sum over slots s < end of w[wAt + s] * value(s)[dim .. dim + 64)} for one page, slots
   * in order; with {@code fresh} the sum starts from zero instead of {@code out}.
   */
  private void values4(float[] w, int wAt, int end, float[] page, int dim, float[] out, int at, boolean fresh) {
    int base = P * c.kvLength + dim;
    int stride = c.kvLength;
    FloatVector a0 = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at);
    FloatVector a1 = fresh ? a0 : FloatVector.fromArray(F, out, at + 16);
    FloatVector a2 = fresh ? a0 : FloatVector.fromArray(F, out, at + 32);
    FloatVector a3 = fresh ? a0 : FloatVector.fromArray(F, out, at + 48);
    for (int slot = 0; slot < end; slot++) {
      FloatVector x = FloatVector.broadcast(F, w[wAt + slot]);
      int v = base + slot * stride;
      a0 = x.fma(FloatVector.fromArray(F, page, v), a0);
      a1 = x.fma(FloatVector.fromArray(F, page, v + 16), a1);
      a2 = x.fma(FloatVector.fromArray(F, page, v + 32), a2);
      a3 = x.fma(FloatVector.fromArray(F, page, v + 48), a3);
    }
    a0.intoArray(out, at);
    a1.intoArray(out, at + 16);
    a2.intoArray(out, at + 32);
    a3.intoArray(out, at + 48);
  }

  /** {@link #values4} for two heads at once (weights from {@code wA}, {@code wB}; sums into {@code atA}, {@code atB}), each summed exactly as alone. */
  private void values4x2(float[] w, int wA, int wB, int end, float[] page, int dim, float[] out, int atA, int atB, boolean fresh) {
    int base = P * c.kvLength + dim;
    int stride = c.kvLength;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a0 = fresh ? zero : FloatVector.fromArray(F, out, atA);
    FloatVector a1 = fresh ? zero : FloatVector.fromArray(F, out, atA + 16);
    FloatVector a2 = fresh ? zero : FloatVector.fromArray(F, out, atA + 32);
    FloatVector a3 = fresh ? zero : FloatVector.fromArray(F, out, atA + 48);
    FloatVector b0 = fresh ? zero : FloatVector.fromArray(F, out, atB);
    FloatVector b1 = fresh ? zero : FloatVector.fromArray(F, out, atB + 16);
    FloatVector b2 = fresh ? zero : FloatVector.fromArray(F, out, atB + 32);
    FloatVector b3 = fresh ? zero : FloatVector.fromArray(F, out, atB + 48);
    for (int slot = 0; slot < end; slot++) {
      FloatVector x = FloatVector.broadcast(F, w[wA + slot]);
      FloatVector y = FloatVector.broadcast(F, w[wB + slot]);
      int v = base + slot * stride;
      FloatVector v0 = FloatVector.fromArray(F, page, v);
      FloatVector v1 = FloatVector.fromArray(F, page, v + 16);
      FloatVector v2 = FloatVector.fromArray(F, page, v + 32);
      FloatVector v3 = FloatVector.fromArray(F, page, v + 48);
      a0 = x.fma(v0, a0);
      a1 = x.fma(v1, a1);
      a2 = x.fma(v2, a2);
      a3 = x.fma(v3, a3);
      b0 = y.fma(v0, b0);
      b1 = y.fma(v1, b1);
      b2 = y.fma(v2, b2);
      b3 = y.fma(v3, b3);
    }
    a0.intoArray(out, atA);
    a1.intoArray(out, atA + 16);
    a2.intoArray(out, atA + 32);
    a3.intoArray(out, atA + 48);
    b0.intoArray(out, atB);
    b1.intoArray(out, atB + 16);
    b2.intoArray(out, atB + 32);
    b3.intoArray(out, atB + 48);
  }

  /** {@link #values4} for 16 dimensions. */
  private void values1(float[] w, int wAt, int end, float[] page, int dim, float[] out, int at, boolean fresh) {
    int base = P * c.kvLength + dim;
    FloatVector a = fresh ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at);
    for (int slot = 0; slot < end; slot++) {
      a = FloatVector.broadcast(F, w[wAt + slot]).fma(FloatVector.fromArray(F, page, base + slot * c.kvLength), a);
    }
    a.intoArray(out, at);
  }

  /**
   * {@code (q . k) * scale} of {@code count} (up to four) query heads from {@code q[q0 ..]}, for the 16 positions of one
   * page, into {@code scores[at ..]}, {@code scores[at + padded ..]}, ..
   */
  private void scores(float[] page, int count, float[] q, int q0, int kvAt, float[] scores, int at, int padded) {
    int size = c.headSize;
    int q1 = q0 + (count > 1 ? size : 0);
    int q2 = q0 + (count > 2 ? 2 * size : 0);
    int q3 = q0 + (count > 3 ? 3 * size : 0);
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
    store(a0, a1, a2, a3, count, scores, at, padded);
  }

  /** {@link #scores} for two tokens at once (queries from {@code qA}, {@code qB}; scores to {@code atA}, {@code atB}). */
  private void scores2(float[] page, int count, float[] q, int qA, int qB, int kvAt, float[] scores, int atA, int atB, int padded) {
    int size = c.headSize;
    int s1 = count > 1 ? size : 0;
    int s2 = count > 2 ? 2 * size : 0;
    int s3 = count > 3 ? 3 * size : 0;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    for (int d = 0; d < size; d++) {
      FloatVector k = FloatVector.fromArray(F, page, (kvAt + d) * P);
      a0 = FloatVector.broadcast(F, q[qA + d]).fma(k, a0);
      a1 = FloatVector.broadcast(F, q[qA + s1 + d]).fma(k, a1);
      a2 = FloatVector.broadcast(F, q[qA + s2 + d]).fma(k, a2);
      a3 = FloatVector.broadcast(F, q[qA + s3 + d]).fma(k, a3);
      b0 = FloatVector.broadcast(F, q[qB + d]).fma(k, b0);
      b1 = FloatVector.broadcast(F, q[qB + s1 + d]).fma(k, b1);
      b2 = FloatVector.broadcast(F, q[qB + s2 + d]).fma(k, b2);
      b3 = FloatVector.broadcast(F, q[qB + s3 + d]).fma(k, b3);
    }
    store(a0, a1, a2, a3, count, scores, atA, padded);
    store(b0, b1, b2, b3, count, scores, atB, padded);
  }

  private void store(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, int count, float[] scores, int at, int padded) {
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
