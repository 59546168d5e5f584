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

  /**
   * Query head {@code h} (already rotated, in {@code q[qAt + h * headSize ..]}) of the token at {@code position}
   * attending to positions {@code [0, position]} of {@code layer}: writes its output to {@code out[outAt + h * headSize ..]}.
   * {@code scores} holds at least {@code position + 16} floats.
   */
  void head(int h, float[] q, int qAt, int position, int layer, KvSequence kv, float[] out, int outAt, float[] scores) {
    int size = c.headSize;
    int qh = qAt + h * size;
    int kvAt = c.maybeMapToGroupHead(h) * size;
    int n = position + 1;
    int pages = (n + P - 1) / P;
    for (int pg = 0; pg < pages; pg++) {
      float[] page = kv.page(pg).layers[layer];
      FloatVector acc = FloatVector.zero(F);
      for (int d = 0; d < size; d++) {
        acc = FloatVector.broadcast(F, q[qh + d]).fma(FloatVector.fromArray(F, page, (kvAt + d) * P), acc);
      }
      acc.mul(scale).intoArray(scores, pg * P);
    }
    softmax(scores, n, pages * P);
    int values = P * c.kvLength;
    for (int dc = 0; dc < size; dc += F.length()) {
      FloatVector acc = FloatVector.zero(F);
      for (int i = 0; i < n; i++) {
        float[] page = kv.page(i / P).layers[layer];
        acc = FloatVector.broadcast(F, scores[i]).fma(FloatVector.fromArray(F, page, values + (i % P) * c.kvLength + kvAt + dc), acc);
      }
      acc.intoArray(out, outAt + h * size + dc);
    }
  }

  /** Softmax of {@code s[0, n)} in place; {@code s[n, padded)} (the rest of the last page) is zeroed. */
  private static void softmax(float[] s, int n, int padded) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, s[i]);
    }
    FloatVector m = FloatVector.broadcast(F, max);
    for (int i = 0; i < padded; i += P) {
      FixedMath.exp(FloatVector.fromArray(F, s, i).sub(m)).intoArray(s, i);
    }
    java.util.Arrays.fill(s, n, padded, 0f);
    FloatVector sum = FloatVector.zero(F);
    for (int i = 0; i < padded; i += P) {
      sum = sum.add(FloatVector.fromArray(F, s, i));
    }
    FloatVector total = FloatVector.broadcast(F, FixedMath.sum(sum));
    for (int i = 0; i < padded; i += P) {
      FloatVector.fromArray(F, s, i).div(total).intoArray(s, i);
    }
  }
}
