package io.switchboard.llm.jlama;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import io.switchboard.llm.jlama.decode.Q4VectorOps;

import java.lang.reflect.Field;
import java.nio.ByteOrder;

/**
 * The model's last step: final norm, output projection to one logit per vocabulary entry, the model's logit scaling
 * and soft-capping, and the argmax. Jlama's own {@code sample} multiplies the output matrix with unquantized F32
 * activations, which against Q4 weights on Jlama's kernels is 2-6 times slower than the I8 activations its
 * transformer blocks use; the output matrix is the largest single matrix of small models, so on Jlama's kernels this
 * does what the blocks do. With the vector kernel ({@link Q4VectorOps}) F32 is the fast case, so activations stay F32.
 * The output layer is a protected field of Jlama's model, read once by reflection; when that fails (another Jlama
 * version) Jlama's {@code sample} computes the logits instead.
 */
@SuppressWarnings("rawtypes")
final class OutputHead {

  private static final System.Logger LOG = System.getLogger(OutputHead.class.getName());

  private final AbstractModel model;
  private final SampleOutput output;
  private final DType activationType;

  private OutputHead(AbstractModel model, SampleOutput output, DType activationType) {
    this.model = model;
    this.output = output;
    this.activationType = activationType;
  }

  static OutputHead of(AbstractModel model) {
    try {
      SampleOutput out = (SampleOutput) field("sampleOutput").get(model);
      DType workingQ = (DType) field("workingQType").get(model);
      boolean quantize = out.getOutputLogitsWeights().dType() == DType.Q4 && workingQ == DType.I8 && !Q4VectorOps.active();
      return new OutputHead(model, out, quantize ? DType.I8 : null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(System.Logger.Level.INFO, "jlama output layer not reachable ({0}); using Jlama's sampler for logits", e.toString());
      return new OutputHead(model, null, null);
    }
  }

  private static Field field(String name) throws NoSuchFieldException {
    Field f = AbstractModel.class.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }

  /** True when activations are quantized to I8 for the output projection. */
  boolean quantizesActivations() {
    return activationType != null;
  }

  /**
   * Writes the logits of {@code hidden} (the last layer's output for one position) into {@code into} and returns the
   * argmax, or -1 when no logit is a number. {@code scratch} is a [1, vocab] tensor of the model's working type.
   */
  int logits(AbstractTensor hidden, AbstractTensor scratch, float[] into) {
    Config c = model.getConfig();
    if (output == null) {
      model.sample(hidden, 0f, 0f, scratch);
      copy(scratch, into);
      return argmax(into);
    }
    TensorOperations ops = TensorOperationsProvider.get();
    try (AbstractTensor normed = output.getOutputLayerNorm().forward(hidden)) {
      AbstractTensor x = activationType == null ? normed : ops.quantize(normed, activationType, 0, c.embeddingLength);
      AbstractTensor weights = output.getOutputLogitsWeights();
      VectorMath.pchunk(0, c.vocabularySize, (start, size) -> ops.dotProductChunk(scratch, x, weights, 0, c.embeddingLength, start, size));
      if (x != normed) {
        x.close();
      }
    }
    copy(scratch, into);
    return finish(c, into);
  }

  /**
   * Applies the model's logit scaling and soft-capping to raw output-layer logits in place and returns the argmax, or
   * -1 when no logit is a number.
   */
  static int finish(Config c, float[] into) {
    if (c.logitMultiplier != null) {
      float inv = 1f / c.logitMultiplier;
      for (int i = 0; i < into.length; i++) {
        into[i] *= inv;
      }
    }
    if (c.finalLogitSoftCapping != null) {
      float cap = c.finalLogitSoftCapping;
      for (int i = 0; i < into.length; i++) {
        into[i] = (float) Math.tanh(into[i] / cap) * cap;
      }
    }
    return argmax(into);
  }

  private static void copy(AbstractTensor t, float[] into) {
    if (t.dType() == DType.F32) {
      t.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
    } else {
      for (int i = 0; i < into.length; i++) {
        into[i] = t.get(0, i);
      }
    }
  }

  private static int argmax(float[] v) {
    int best = -1;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < v.length; i++) {
      if (v[i] > max) {
        max = v[i];
        best = i;
      }
    }
    return best;
  }
}
