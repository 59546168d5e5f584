package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Jlama's forward pass for one new token of a Llama-style model with Q4 weights, redone for speed: the same layers,
 * weights and key/value cache, the matrix products on {@link Q4MatVec} with F32 activations, and all the parallel work
 * on one {@link DecodeTeam} (six hand-overs per layer, without parking threads) instead of Jlama's fork-join pool.
 * The prompt is still run by Jlama's batched pass, which fills the same cache. The results are the ones Jlama computes
 * with {@code working_qtype: F32}, up to float rounding (see {@link DecodeAttention} for the attention part).
 */
@SuppressWarnings("rawtypes")
public final class LlamaDecoder implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(LlamaDecoder.class.getName());
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  /** Rows per grain of a matrix product: small enough to balance two threads, large enough to amortise the claim. */
  private static final int ROWS = 64;

  private final LlamaWeights w;
  private final Config c;
  private final DecodeAttention attention;
  private final DecodeTeam team;
  private final float[] x;
  private final float[] normed;
  private final float[] q;
  private final float[] k;
  private final float[] v;
  private final float[] attended;
  private final float[] gate;
  private final float[] up;
  private final float[] projected;
  private final float[] gatePrepared;
  private final float[] gateSums;

  private LlamaDecoder(LlamaWeights w, int threads) {
    this.w = w;
    this.c = w.config;
    this.attention = new DecodeAttention(c, w.attentionScale);
    this.team = new DecodeTeam(threads, "switchboard-decode");
    this.x = new float[c.embeddingLength];
    this.normed = new float[c.embeddingLength];
    this.q = new float[c.numberOfHeads * c.headSize];
    this.k = new float[c.kvLength];
    this.v = new float[c.kvLength];
    this.attended = new float[c.numberOfHeads * c.headSize];
    this.gate = new float[c.hiddenLength];
    this.up = new float[c.hiddenLength];
    this.projected = new float[c.embeddingLength];
    this.gatePrepared = new float[c.hiddenLength];
    this.gateSums = new float[c.hiddenLength / Q4MatVec.BLOCK];
  }

  /**
   * A decoder for {@code model} on {@code threads} threads (the caller included), or empty when the model's shape is
   * not one it runs (logged with the reason; Jlama's forward pass is then used).
   */
  public static Optional<LlamaDecoder> of(AbstractModel model, int threads) {
    try {
      return Optional.of(new LlamaDecoder(LlamaWeights.of(model), threads));
    } catch (IllegalArgumentException | ReflectiveOperationException | ClassCastException | LinkageError e) {
      LOG.log(System.Logger.Level.INFO, "fast decoder not used ({0}); Jlama''s forward pass runs every token", e.toString());
      return Optional.empty();
    }
  }

  /**
   * Runs {@code token} at {@code position} (the positions before it already in {@code kv}) and writes the model's raw
   * logits (before any logit scaling or soft-capping of the config) into {@code logits}. Not thread-safe: one
   * generation at a time per decoder.
   */
  public void logits(int token, int position, KvBufferCache.KvBuffer kv, float[] logits) {
    embed(token, position);
    for (int layer = 0; layer < w.layers.length; layer++) {
      layer(layer, w.layers[layer], position, kv);
    }
    rmsNorm(x, w.finalNorm, normed);
    Q4Matrix head = w.logits;
    team.forEach(head.rows, 4 * ROWS, (s, e) -> head.multiply(normed, logits, s, e));
  }

  private void embed(int token, int position) {
    AbstractTensor e = w.embedding.inputTokenToEmbedding(token, position);
    try {
      MemorySegment.copy(e.getMemorySegment(), Q4MatVec.FLOAT, 4L * e.getOffset(0, 0), x, 0, x.length);
    } finally {
      e.close();
    }
  }

  private void layer(int index, LlamaWeights.Layer l, int position, KvBufferCache.KvBuffer kv) {
    rmsNorm(x, l.attentionNorm(), normed);
    int qRows = q.length;
    int kvRows = k.length;
    team.forEach(qRows + 2 * kvRows, ROWS, (s, e) -> {
      for (int r = s; r < e; ) {
        if (r < qRows) {
          int end = Math.min(e, qRows);
          l.query().multiply(normed, q, r, end);
          r = end;
        } else if (r < qRows + kvRows) {
          int end = Math.min(e, qRows + kvRows);
          l.key().multiply(normed, k, r - qRows, end - qRows);
          r = end;
        } else {
          l.value().multiply(normed, v, r - qRows - kvRows, e - qRows - kvRows);
          r = e;
        }
      }
    });
    attention.store(k, v, index, position, kv);
    DecodeAttention.Pages pages = new DecodeAttention.Pages(kv.getKeyTensorsUptoPosition(index, position),
      kv.getValTensorsUptoPosition(index, position));
    team.forEach(c.numberOfHeads, 1, (s, e) -> {
      for (int h = s; h < e; h++) {
        attention.head(h, q, position, pages, attended);
      }
    });
    team.forEach(x.length, ROWS, (s, e) -> {
      l.output().multiply(attended, projected, s, e);
      for (int r = s; r < e; r++) {
        x[r] += projected[r];
      }
    });
    rmsNorm(x, l.mlpNorm(), normed);
    boolean prepared = l.down().longRows();
    // Gate rows then up rows as one loop, so that each thread's contiguous share is mostly one matrix: one memory stream.
    int hidden = c.hiddenLength;
    team.forEach(2 * hidden, ROWS, (s, e) -> {
      if (s < hidden) {
        l.gate().multiply(normed, gate, s, Math.min(e, hidden));
      }
      if (e > hidden) {
        l.up().multiply(normed, up, Math.max(s, hidden) - hidden, e - hidden);
      }
    });
    team.forEach(hidden, 8 * ROWS, (s, e) -> {
      silu(gate, up, s, e);
      if (prepared) {
        Q4MatVec.prepare(gate, s, e, gatePrepared, gateSums);
      }
    });
    team.forEach(x.length, ROWS, (s, e) -> {
      if (prepared) {
        l.down().multiplyPrepared(gatePrepared, gateSums, projected, s, e);
      } else {
        l.down().multiply(gate, projected, s, e);
      }
      for (int r = s; r < e; r++) {
        x[r] += projected[r];
      }
    });
  }

  /** Jlama's RMS norm: {@code (weight + adjustment) * (x / sqrt(mean(x^2) + eps))}, the sum of squares in double. */
  private void rmsNorm(float[] in, float[] weight, float[] out) {
    double ss = 0;
    for (int i = 0; i < c.embeddingLength; i++) {
      ss += in[i] * in[i];
    }
    ss /= c.embeddingLength;
    ss += c.layerNormEps;
    float inv = (float) (1.0 / Math.sqrt(ss));
    for (int i = 0; i < c.embeddingLength; i++) {
      out[i] = weight[i] * (inv * in[i]);
    }
  }

  /** {@code gate = silu(gate) * up} over {@code [s, e)}, with {@code silu(g) = g / (1 + exp(-g))}. */
  private static void silu(float[] gate, float[] up, int s, int e) {
    int i = s;
    for (; i + F.length() <= e; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, gate, i);
      FloatVector sig = g.neg().lanewise(VectorOperators.EXP).add(1f);
      g.div(sig).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
    }
    for (; i < e; i++) {
      float g = gate[i];
      gate[i] = (float) (g * (1.0 / (1.0 + Math.exp(-g)))) * up[i];
    }
  }

  @Override
  public void close() {
    team.close();
  }
}
