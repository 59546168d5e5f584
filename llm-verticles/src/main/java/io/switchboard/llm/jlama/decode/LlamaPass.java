package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.tensor.AbstractTensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Jlama's forward pass of a Llama-style model with Q4 weights, redone for speed, for any number of tokens at once: a
 * prompt in chunks of up to {@link #CHUNK} tokens, or one generated token. The same layers and weights (read from
 * Jlama's model, {@link LlamaWeights}), every matrix product on {@link Q4Kernel} with activations quantized to 8 bits
 * exactly as Jlama's {@code working_qtype: I8} does, attention over this pass's own {@link KvSequence}, and all the
 * parallel work on one {@link DecodeTeam}. Results equal Jlama's I8 pass up to float rounding.
 * <p>
 * Every value a token produces depends only on the tokens before it, never on which tokens share its chunk or on how
 * the work is split between threads: the integer products are exact, each row adds its blocks in order, and the float
 * helpers give the same bits interpreted or compiled ({@link FixedMath}). So keys and values cached from an earlier
 * request equal the ones this pass would compute now, bit for bit, which is what makes prefix reuse invisible.
 * Not thread-safe: one forward at a time (its buffers and team are its own); {@link #sibling} makes another pass over
 * the same weights for a second generation at the same time.
 */
@SuppressWarnings("rawtypes")
public final class LlamaPass implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(LlamaPass.class.getName());
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
  /** Tokens per forward step of a prompt; bounds the buffers (about 12 MB for a 1B model). */
  public static final int CHUNK = 64;
  /** Rows per grain of a product (in 32-row groups): a thread's grain stays in its cache while a chunk's tiles pass. */
  private static final int GRAIN = 4;
  /**
   * Tokens of a prompt that attend together ({@link Attention#group}): each page of keys and values is read once per
   * tile instead of once per token, and a tile's scores (16 tokens, 4 heads, up to a few thousand positions) stay in
   * the second-level cache.
   */
  private static final int ATTENTION_TILE = 16;
  /** Values per grain of the gated activation. */
  private static final int SILU_PIECE = 256;
  /**
   * Key/value pages kept made between generations ({@link #reservePages}): enough for a prompt of two chunks and the
   * page a follow-up copies from the cached prefix (a conversation's later turn runs some 20-60 new tokens).
   */
  private static final int RESERVED_PAGES = 2 * CHUNK / KvPage.POSITIONS + 1;

  private final Config c;
  private final LlamaWeights w;
  private final Packed[] layers;
  private final Q4Packed head;
  private final int threads;
  private final Attention attention;
  private final DecodeTeam team;
  private final KvPageReserve reserve;
  private final int attentionLength;
  private final float[] x;
  private final float[] normed;
  private final float[] qkv;
  private final float[] attended;
  private final float[] projected;
  private final float[] gateUp;
  private final float[] hidden;
  private final float[] logits;
  private final Q8Activations inputs;
  private final Q8Activations attendedQ;
  private final Q8Activations hiddenQ;
  private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);

  /** One layer's matrices, packed: query, key and value stacked; output; gate and up stacked; down. */
  private record Packed(Q4Packed qkv, Q4Packed output, Q4Packed gateUp, Q4Packed down) {
  }

  private LlamaPass(LlamaWeights w, Packed[] layers, Q4Packed head, int threads) {
    this.w = w;
    this.c = w.config;
    this.layers = layers;
    this.head = head;
    this.threads = threads;
    this.attentionLength = c.numberOfHeads * c.headSize;
    this.attention = new Attention(c, w.attentionScale);
    this.x = new float[CHUNK * c.embeddingLength];
    this.normed = new float[CHUNK * c.embeddingLength];
    this.qkv = new float[CHUNK * layers[0].qkv.paddedRows];
    this.attended = new float[CHUNK * attentionLength];
    this.projected = new float[CHUNK * layers[0].output.paddedRows];
    this.gateUp = new float[CHUNK * layers[0].gateUp.paddedRows];
    this.hidden = new float[CHUNK * c.hiddenLength];
    this.logits = new float[head.paddedRows];
    this.inputs = new Q8Activations(c.embeddingLength, CHUNK);
    this.attendedQ = new Q8Activations(attentionLength, CHUNK);
    this.hiddenQ = new Q8Activations(c.hiddenLength, CHUNK);
    this.team = new DecodeTeam(threads, "switchboard-llama");
    this.reserve = new KvPageReserve(c.numberOfLayers, c.kvLength, RESERVED_PAGES);
  }

  /**
   * A pass for {@code model} on {@code threads} threads (the caller included), or empty when the model's shape is not
   * one it runs or the Java heap cannot hold the repacked weights (logged with the reason; Jlama's pass is then used).
   */
  public static Optional<LlamaPass> of(AbstractModel model, int threads) {
    try {
      LlamaWeights w = LlamaWeights.of(model);
      long needed = w.q4Bytes() * 5 / 4 + (64L << 20);
      Runtime rt = Runtime.getRuntime();
      long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
      if (needed > free) {
        throw new IllegalArgumentException("the repacked weights need " + (needed >> 20) + " MiB of Java heap and "
          + (free >> 20) + " MiB are free (raise -Xmx)");
      }
      Packed[] layers = new Packed[w.layers.length];
      for (int i = 0; i < layers.length; i++) {
        LlamaWeights.Layer l = w.layers[i];
        layers[i] = new Packed(Q4Packed.of(l.query(), l.key(), l.value()), Q4Packed.of(l.output()), Q4Packed.of(l.gate(), l.up()),
          Q4Packed.of(l.down()));
      }
      return Optional.of(new LlamaPass(w, layers, Q4Packed.of(w.logits), threads));
    } catch (IllegalArgumentException | ReflectiveOperationException | ClassCastException | LinkageError e) {
      LOG.log(System.Logger.Level.INFO, "Switchboard''s forward pass not used ({0}); Jlama''s pass runs every token", e.toString());
      return Optional.empty();
    }
  }

  /**
   * Another pass over the same repacked weights, with its own buffers and threads: for a second generation at the
   * same time. Its results are this pass's, bit for bit.
   */
  public LlamaPass sibling() {
    return new LlamaPass(w, layers, head, threads);
  }

  /**
   * Runs a block of tokens and a few single tokens through the pass and forgets them: until the JIT has compiled the
   * kernels, the Vector API runs interpreted, tens of times slower, and the first request would pay for it.
   */
  public void warmUp() {
    int block = CHUNK + Q4Kernel.HALF;
    int[] tokens = new int[block + 8];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = i % c.vocabularySize;
    }
    float[] out = new float[c.vocabularySize];
    KvSequence kv = newSequence();
    forward(tokens, 0, CHUNK, kv, out);
    // A half tile too: a kernel path the warm-up never took is compiled as a trap, and the first prompt that takes it
    // (most do) throws the product's compiled code away and runs it profiled until C2 compiles it again (seen in every
    // launch's compilation log, docs/benchmarks.md, fifteenth stop).
    forward(tokens, CHUNK, block, kv, out);
    for (int i = block; i < tokens.length; i++) {
      forward(tokens, i, i + 1, kv, out);
    }
    reservePages();
  }

  /**
   * Makes the key/value pages the next prompt will write now ({@link KvPageReserve}): for the caller to run between
   * generations, so that a garbage collection the allocation triggers does not stop the next prompt's prefill.
   */
  public void reservePages() {
    reserve.refill();
  }

  /** An empty key/value sequence for this model. */
  public KvSequence newSequence() {
    return new KvSequence(c.numberOfLayers, c.kvLength);
  }

  /** Bytes of repacked weights this pass holds. */
  public long weightBytes() {
    long b = head.bytes();
    for (Packed p : layers) {
      b += p.qkv.bytes() + p.output.bytes() + p.gateUp.bytes() + p.down.bytes();
    }
    return b;
  }

  /**
   * Runs {@code tokens[from, to)} at the positions after {@code kv}'s, appending their keys and values to {@code kv},
   * and writes the raw logits of the last of them (before any logit scaling or soft-capping of the config) into
   * {@code out}; with {@code out} null the output layer does not run (tokens run only for their keys and values).
   */
  public void forward(int[] tokens, int from, int to, KvSequence kv, float[] out) {
    if (to <= from) {
      throw new IllegalArgumentException("no tokens to run");
    }
    for (int at = from; at < to; at += CHUNK) {
      int n = Math.min(CHUNK, to - at);
      int start = kv.append(tokens, at, n, reserve);
      embed(tokens, at, n, start);
      for (int l = 0; l < layers.length; l++) {
        layer(l, n, start, kv);
      }
      if (at + n == to && out != null) {
        head(n - 1, out);
      }
    }
  }

  private void embed(int[] tokens, int at, int n, int start) {
    int e = c.embeddingLength;
    for (int t = 0; t < n; t++) {
      AbstractTensor v = w.embedding.inputTokenToEmbedding(tokens[at + t], start + t);
      try {
        MemorySegment.copy(v.getMemorySegment(), Q4MatVec.FLOAT, 4L * v.getOffset(0, 0), x, t * e, e);
      } finally {
        v.close();
      }
    }
  }

  private void layer(int index, int n, int start, KvSequence kv) {
    LlamaWeights.Layer l = w.layers[index];
    Packed p = layers[index];
    int e = c.embeddingLength;
    team.forEach(n, 1, (s, end) -> {
      for (int t = s; t < end; t++) {
        rmsNorm(x, t * e, l.attentionNorm(), normed);
        inputs.quantize(t, normed, t * e);
      }
    });
    multiply(p.qkv, inputs, n, qkv, null);
    int stride = p.qkv.paddedRows;
    int kAt = attentionLength;
    int vAt = attentionLength + c.kvLength;
    team.forEach(n, 1, (s, end) -> {
      for (int t = s; t < end; t++) {
        attention.rotateQuery(qkv, t * stride, start + t);
        attention.store(qkv, t * stride + kAt, qkv, t * stride + vAt, index, start + t, kv);
      }
    });
    int groups = c.numberOfKeyValueHeads;
    int tiles = (n + ATTENTION_TILE - 1) / ATTENTION_TILE;
    team.forEach(tiles * groups, 1, (s, end) -> {
      for (int i = s; i < end; i++) {
        int t = i / groups * ATTENTION_TILE;
        int count = Math.min(ATTENTION_TILE, n - t);
        float[] sc = scores(attention.scoresNeeded(count, start + t));
        attention.group(i % groups, count, qkv, t * stride, stride, start + t, index, kv, attended, t * attentionLength,
          attentionLength, sc);
      }
    });
    team.forEach(n, 1, (s, end) -> {
      for (int t = s; t < end; t++) {
        attendedQ.quantize(t, attended, t * attentionLength);
      }
    });
    multiply(p.output, attendedQ, n, projected, x);
    team.forEach(n, 1, (s, end) -> {
      for (int t = s; t < end; t++) {
        rmsNorm(x, t * e, l.mlpNorm(), normed);
        inputs.quantize(t, normed, t * e);
      }
    });
    multiply(p.gateUp, inputs, n, gateUp, null);
    int h = c.hiddenLength;
    int gateStride = p.gateUp.paddedRows;
    int pieces = (h + SILU_PIECE - 1) / SILU_PIECE;
    team.forEach(n * pieces, 1, (s, end) -> {
      for (int i = s; i < end; i++) {
        int t = i / pieces;
        int from = (i % pieces) * SILU_PIECE;
        silu(gateUp, t * gateStride + from, t * gateStride + h + from, hidden, t * h + from, Math.min(SILU_PIECE, h - from));
      }
    });
    team.forEach(n, 1, (s, end) -> {
      for (int t = s; t < end; t++) {
        hiddenQ.quantize(t, hidden, t * h);
      }
    });
    multiply(p.down, hiddenQ, n, projected, x);
  }

  /**
   * {@code out = m x} for {@code n} tokens (row stride: the matrix's padded rows); with {@code residual}, each token's
   * first {@code embeddingLength} results are then added into {@code residual}.
   */
  private void multiply(Q4Packed m, Q8Activations in, int n, float[] out, float[] residual) {
    int e = c.embeddingLength;
    int stride = m.paddedRows;
    // One token: whole tiles, each a contiguous stream. A prompt: smaller grains that stay in cache across its tiles.
    team.forEach(m.groups, n == 1 ? Q4Packed.TILE : GRAIN, (s, end) -> {
      Q4Kernel.multiply(m, in, n, s, end, out, stride);
      if (residual != null) {
        int r0 = s * Q4Packed.GROUP;
        int r1 = Math.min(e, end * Q4Packed.GROUP);
        for (int t = 0; t < n; t++) {
          for (int r = r0; r < r1; r++) {
            residual[t * e + r] += out[t * stride + r];
          }
        }
      }
    });
  }

  private void head(int t, float[] out) {
    int e = c.embeddingLength;
    rmsNorm(x, t * e, w.finalNorm, normed);
    inputs.quantize(0, normed, t * e);
    team.forEach(head.groups, Q4Packed.TILE, (s, end) -> Q4Kernel.multiply(head, inputs, 1, s, end, logits, head.paddedRows));
    System.arraycopy(logits, 0, out, 0, c.vocabularySize);
  }

  private float[] scores(int n) {
    float[] s = scores.get();
    if (s.length < n) {
      s = new float[Math.max(n, 2 * s.length)];
      scores.set(s);
    }
    return s;
  }

  /** Jlama's RMS norm of {@code in[at ..]} into {@code out[at ..]}: {@code (weight + adjustment) * (x / sqrt(mean(x^2) + eps))}, squares summed in double. */
  private void rmsNorm(float[] in, int at, float[] weight, float[] out) {
    int e = c.embeddingLength;
    double ss = 0;
    for (int i = 0; i < e; i++) {
      ss += in[at + i] * in[at + i];
    }
    ss /= e;
    ss += c.layerNormEps;
    float inv = (float) (1.0 / Math.sqrt(ss));
    for (int i = 0; i < e; i++) {
      out[at + i] = weight[i] * (inv * in[at + i]);
    }
  }

  /** {@code out = silu(gate) * up} over {@code length} values (a multiple of 16), {@code silu(g) = g / (1 + e^-g)}. */
  private static void silu(float[] src, int gateAt, int upAt, float[] out, int outAt, int length) {
    for (int i = 0; i < length; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, src, gateAt + i);
      FloatVector sig = FixedMath.exp(g.neg()).add(1f);
      g.div(sig).mul(FloatVector.fromArray(F, src, upAt + i)).intoArray(out, outAt + i);
    }
  }

  @Override
  public void close() {
    team.close();
  }
}
