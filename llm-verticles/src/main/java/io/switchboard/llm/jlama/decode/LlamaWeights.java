package io.switchboard.llm.jlama.decode;

import com.github.tjake.jlama.math.ActivationFunction;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.CausalSelfAttention;
import com.github.tjake.jlama.model.DistributedContext;
import com.github.tjake.jlama.model.LayerNorm;
import com.github.tjake.jlama.model.MLPBlock;
import com.github.tjake.jlama.model.RMSNorm;
import com.github.tjake.jlama.model.TransformerBlock;
import com.github.tjake.jlama.model.functions.EmbedInput;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;

import java.lang.reflect.Field;
import java.util.Optional;

/**
 * The weights of a loaded Jlama model in the shape {@link LlamaPass} runs: a Llama-style stack (RMS norm before
 * attention and before the MLP, no biases, gated SiLU MLP, rotary positions), every matrix in Q4, F32 working memory,
 * the whole model on this machine. Jlama keeps these in non-public fields of its model classes (0.8.4), read here once
 * by reflection; any other shape or version is refused with the reason, and Jlama's own forward pass runs instead.
 */
@SuppressWarnings("rawtypes")
final class LlamaWeights {

  /** One transformer layer. The norms hold Jlama's {@code weight + adjustment}. */
  record Layer(float[] attentionNorm, Q4Matrix query, Q4Matrix key, Q4Matrix value, Q4Matrix output, float[] mlpNorm,
               Q4Matrix gate, Q4Matrix up, Q4Matrix down) {
  }

  final Config config;
  final EmbedInput embedding;
  final Layer[] layers;
  final float[] finalNorm;
  final Q4Matrix logits;
  final float attentionScale;

  private LlamaWeights(Config config, EmbedInput embedding, Layer[] layers, float[] finalNorm, Q4Matrix logits, float attentionScale) {
    this.config = config;
    this.embedding = embedding;
    this.layers = layers;
    this.finalNorm = finalNorm;
    this.logits = logits;
    this.attentionScale = attentionScale;
  }

  /** Bytes of Q4 weights and scales of every matrix. */
  long q4Bytes() {
    long b = bytes(logits);
    for (Layer l : layers) {
      b += bytes(l.query()) + bytes(l.key()) + bytes(l.value()) + bytes(l.output()) + bytes(l.gate()) + bytes(l.up()) + bytes(l.down());
    }
    return b;
  }

  private static long bytes(Q4Matrix m) {
    return (long) m.rows * m.cols / 2 + 4L * m.rows * (m.cols / Q4MatVec.BLOCK);
  }

  /** The weights of {@code model}; throws {@link IllegalArgumentException} saying why when its shape is not supported. */
  static LlamaWeights of(AbstractModel model) throws ReflectiveOperationException {
    Config c = model.getConfig();
    require(Q4MatVec.available(), "this CPU has no 512-bit vectors");
    require(model.getWorkingDType() == DType.F32, "working_dtype is not F32");
    require(c.residualMultiplier == null && c.attnLogitSoftCapping == null, "residual multiplier or attention soft-capping");
    require(c.headSize % 16 == 0, "head size " + c.headSize + " is not a multiple of 16");
    require(c.embeddingLength % Q4MatVec.BLOCK == 0 && c.hiddenLength % Q4MatVec.BLOCK == 0
      && (c.numberOfHeads * c.headSize) % Q4MatVec.BLOCK == 0, "a hidden size is not a multiple of 32");
    DistributedContext d = c.dctx();
    require(d == null || (d.layerStart == 0 && d.layerEnd == c.numberOfLayers && d.headStart == 0 && d.headEnd == c.numberOfHeads
      && d.embeddingSegmentStart == 0 && d.embeddingSegmentLength == c.embeddingLength), "the model is split across machines");
    TransformerBlock[] blocks = (TransformerBlock[]) get(model, AbstractModel.class, "transformerBlocks");
    require(blocks != null && blocks.length == c.numberOfLayers, "layers missing");
    Layer[] layers = new Layer[blocks.length];
    Float scale = null;
    for (int i = 0; i < blocks.length; i++) {
      TransformerBlock b = blocks[i];
      for (String absent : new String[] {"postAttentionNorm", "postFFNorm", "preResponseNorm"}) {
        require(((Optional) get(b, TransformerBlock.class, absent)).isEmpty(), absent + " is not supported");
      }
      CausalSelfAttention a = (CausalSelfAttention) get(b, TransformerBlock.class, "attention");
      for (String absent : new String[] {"queryAttnBias", "keyAttnBias", "valueAttnBias", "outputProjectionBias"}) {
        require(((Optional) get(a, CausalSelfAttention.class, absent)).isEmpty(), "attention biases are not supported");
      }
      scale = (Float) get(a, CausalSelfAttention.class, "attentionScale");
      require(get(b, TransformerBlock.class, "ffBlock") instanceof MLPBlock, "the feed-forward block is not an MLP");
      MLPBlock mlp = (MLPBlock) get(b, TransformerBlock.class, "ffBlock");
      require(((Optional) get(mlp, MLPBlock.class, "fullyConnectedBias")).isEmpty()
        && ((Optional) get(mlp, MLPBlock.class, "projectionBias")).isEmpty(), "MLP biases are not supported");
      require(get(mlp, MLPBlock.class, "activationFunction") == ActivationFunction.Type.SILU, "the MLP activation is not SiLU");
      int attention = c.numberOfHeads * c.headSize;
      layers[i] = new Layer(norm((Optional) get(b, TransformerBlock.class, "preAttentionNorm"), c),
        q4(get(a, CausalSelfAttention.class, "queryAttnWeights"), attention, c.embeddingLength),
        q4(get(a, CausalSelfAttention.class, "keyAttnWeights"), c.kvLength, c.embeddingLength),
        q4(get(a, CausalSelfAttention.class, "valueAttnWeights"), c.kvLength, c.embeddingLength),
        q4(get(a, CausalSelfAttention.class, "outputProjectionWeights"), c.embeddingLength, attention),
        norm((Optional) get(b, TransformerBlock.class, "preFFNorm"), c),
        q4(get(mlp, MLPBlock.class, "fullyConnectedWeights"), c.hiddenLength, c.embeddingLength),
        q4(get(mlp, MLPBlock.class, "upProjectionWeights"), c.hiddenLength, c.embeddingLength),
        q4(get(mlp, MLPBlock.class, "projectionWeights"), c.embeddingLength, c.hiddenLength));
    }
    SampleOutput out = (SampleOutput) get(model, AbstractModel.class, "sampleOutput");
    EmbedInput embed = (EmbedInput) get(model, AbstractModel.class, "embedInput");
    require(out != null && embed != null, "no embedding or output layer");
    return new LlamaWeights(c, embed, layers, norm(Optional.of(out.getOutputLayerNorm()), c),
      q4(out.getOutputLogitsWeights(), c.vocabularySize, c.embeddingLength), scale);
  }

  private static Q4Matrix q4(Object tensor, int rows, int cols) {
    Q4Matrix m = tensor instanceof AbstractTensor t ? Q4Matrix.of(t) : null;
    String found = tensor instanceof AbstractTensor t ? t.dType() + " " + t.shape() : String.valueOf(tensor);
    require(m != null, "a matrix is not dense Q4 but " + found + " (the decoder runs Q4 weights only)");
    require(m.rows == rows && m.cols == cols, "a matrix is " + m.rows + "x" + m.cols + ", expected " + rows + "x" + cols);
    return m;
  }

  /** An RMS norm's weights plus its adjustment, as Jlama adds them ({@code adjustment + weight} in float). */
  private static float[] norm(Optional norm, Config c) throws ReflectiveOperationException {
    require(norm.isPresent() && norm.get().getClass() == RMSNorm.class, "a norm is missing or not an RMS norm");
    LayerNorm n = (LayerNorm) norm.get();
    AbstractTensor w = (AbstractTensor) get(n, LayerNorm.class, "weights");
    float adjustment = (Float) get(n, RMSNorm.class, "weightAdjustment");
    float[] out = new float[c.embeddingLength];
    for (int i = 0; i < out.length; i++) {
      out[i] = adjustment + w.get(0, i);
    }
    return out;
  }

  private static Object get(Object target, Class<?> owner, String name) throws ReflectiveOperationException {
    Field f = owner.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }

  private static void require(boolean ok, String reason) {
    if (!ok) {
      throw new IllegalArgumentException(reason);
    }
  }
}
