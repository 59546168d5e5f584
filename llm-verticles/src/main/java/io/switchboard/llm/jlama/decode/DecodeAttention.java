package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Rotary positions and attention for one new token, over Jlama's own key/value cache (its pages are F32 tensors in
 * working memory; the prompt's entries were written there by Jlama's batched forward pass). The arithmetic follows
 * Jlama 0.8.4's {@code CausalSelfAttention} step for step, including its way of indexing the rotary table (per
 * key/value head, which rotates every head of a group by the same extra angle and so leaves the scores unchanged),
 * so both produce the same numbers up to float rounding.
 */
@SuppressWarnings("rawtypes")
final class DecodeAttention {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private final Config c;
  private final float[][] rope;
  private final float scale;
  private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);

  DecodeAttention(Config c, float scale) {
    this.c = c;
    this.rope = c.ropeFreqs.orElse(null);
    this.scale = scale;
  }

  /** Rotates the new token's keys (all key/value heads) and stores them and the values at {@code position} of {@code layer}. */
  void store(float[] k, float[] v, int layer, int position, KvBufferCache.KvBuffer kv) {
    if (rope != null) {
      int half = c.headSize / 2;
      for (int h = 0; h < c.numberOfKeyValueHeads; h++) {
        rotate(k, h * c.headSize, half, position * half + h * c.headSize);
      }
    }
    write(kv.getKeyTensorForPosition(layer, position), k);
    write(kv.getValTensorForPosition(layer, position), v);
  }

  private void write(AbstractTensor t, float[] values) {
    MemorySegment.copy(values, 0, t.getMemorySegment(), Q4MatVec.FLOAT, 4L * t.getOffset(0, 0), c.kvLength);
  }

  /** {@code [at, at + half)} paired with {@code [at + half, at + 2 half)}, rotated by the table from {@code from}. */
  private void rotate(float[] x, int at, int half, int from) {
    for (int i = 0; i < half; i++) {
      float[] f = rope[from + i];
      float x0 = x[at + i];
      float x1 = x[at + i + half];
      x[at + i] = x0 * f[0] - x1 * f[1];
      x[at + i + half] = x0 * f[1] + x1 * f[0];
    }
  }

  /** One layer's cache pages (keys and values for positions {@code 0..position}) as raw memory, looked up once per layer. */
  static final class Pages {
    final MemorySegment[] keys;
    final MemorySegment[] values;
    final long[] keysAt;
    final long[] valuesAt;
    final int[] rows;
    final long stride;

    Pages(AbstractTensor[] k, AbstractTensor[] v) {
      keys = new MemorySegment[k.length];
      values = new MemorySegment[k.length];
      keysAt = new long[k.length];
      valuesAt = new long[k.length];
      rows = new int[k.length];
      stride = 4L * k[0].shape().last();
      for (int i = 0; i < k.length; i++) {
        keys[i] = k[i].getMemorySegment();
        values[i] = v[i].getMemorySegment();
        keysAt[i] = 4L * k[i].getOffset(0, 0);
        valuesAt[i] = 4L * v[i].getOffset(0, 0);
        rows[i] = k[i].shape().first();
      }
    }
  }

  /**
   * Query head {@code h} of the new token at {@code position}: rotates it in {@code q}, then writes its attention over
   * positions {@code 0..position} of {@code pages} into {@code out}.
   */
  void head(int h, float[] q, int position, Pages pages, float[] out) {
    int size = c.headSize;
    int qAt = h * size;
    long kvAt = 4L * c.maybeMapToGroupHead(h) * size;
    if (rope != null) {
      int half = size / 2;
      rotate(q, qAt, half, position * half + c.maybeMapToGroupHead(h) * size);
    }
    int n = position + 1;
    float[] s = scores.get();
    if (s.length < n) {
      s = new float[Math.max(n, 2 * s.length)];
      scores.set(s);
    }
    int t = 0;
    for (int p = 0; p < pages.rows.length && t < n; p++) {
      MemorySegment seg = pages.keys[p];
      long at = pages.keysAt[p] + kvAt;
      for (int row = 0; row < pages.rows[p] && t < n; row++, t++, at += pages.stride) {
        FloatVector acc = FloatVector.zero(F);
        for (int d = 0; d < size; d += F.length()) {
          acc = FloatVector.fromArray(F, q, qAt + d).fma(FloatVector.fromMemorySegment(F, seg, at + 4L * d, LE), acc);
        }
        s[t] = acc.reduceLanes(VectorOperators.ADD) * scale;
      }
    }
    softmax(s, n);
    for (int d = 0; d < size; d++) {
      out[qAt + d] = 0;
    }
    t = 0;
    for (int p = 0; p < pages.rows.length && t < n; p++) {
      MemorySegment seg = pages.values[p];
      long at = pages.valuesAt[p] + kvAt;
      for (int row = 0; row < pages.rows[p] && t < n; row++, t++, at += pages.stride) {
        FloatVector a = FloatVector.broadcast(F, s[t]);
        for (int d = 0; d < size; d += F.length()) {
          a.fma(FloatVector.fromMemorySegment(F, seg, at + 4L * d, LE), FloatVector.fromArray(F, out, qAt + d)).intoArray(out, qAt + d);
        }
      }
    }
  }

  /** In place over {@code [0, n)}: exp of the distance to the maximum, normalised. */
  private static void softmax(float[] s, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, s[i]);
    }
    float sum = 0;
    for (int i = 0; i < n; i++) {
      s[i] = (float) Math.exp(s[i] - max);
      sum += s[i];
    }
    float inv = 1f / sum;
    for (int i = 0; i < n; i++) {
      s[i] *= inv;
    }
  }
}
