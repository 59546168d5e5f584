package io.switchboard.llm.embed;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A sentence-embedding transformer on ONNX Runtime: token ids in, one L2-normalised vector per text out, by
 * attention-masked mean pooling of {@code last_hidden_state}. Texts are grouped into batches of similar length (so
 * little padding is computed) of at most {@code batchSize}; the result keeps the input order. Blocking; the session is
 * thread-safe, so several workers may share one encoder.
 */
final class SentenceEncoder implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final boolean wantsTokenTypes;
  private final int dimensions;
  private final long padId;

  /**
   * @param threads ONNX Runtime intra-op threads, 0 for its default (one per core)
   * @param spin    let idle ONNX Runtime threads spin-wait: a little faster on an idle machine, much slower when the
   *                cores are shared (its spinning threads then steal time from the ones doing the work, and from Jlama)
   */
  SentenceEncoder(byte[] onnxModel, int threads, boolean spin, long padId) throws OrtException {
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      options.addConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = env.createSession(onnxModel, options);
    }
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (!inputs.containsKey("input_ids") || !inputs.containsKey("attention_mask")) {
      session.close();
      throw new IllegalArgumentException("the ONNX model takes " + inputs.keySet() + ", not input_ids and attention_mask");
    }
    this.wantsTokenTypes = inputs.containsKey("token_type_ids");
    NodeInfo out = session.getOutputInfo().values().iterator().next();
    long[] shape = ((TensorInfo) out.getInfo()).getShape();
    this.dimensions = (int) shape[shape.length - 1];
    this.padId = padId;
  }

  /** Width of the vectors (384 for all-MiniLM-L6-v2). */
  int dimensions() {
    return dimensions;
  }

  /** One unit vector per sequence of ids, in input order. */
  float[][] embed(List<long[]> sequences, int batchSize) throws OrtException {
    float[][] out = new float[sequences.size()][];
    Integer[] order = IntStream.range(0, sequences.size()).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt(i -> sequences.get(i).length));
    for (int from = 0; from < order.length; from += batchSize) {
      int[] batch = new int[Math.min(batchSize, order.length - from)];
      for (int k = 0; k < batch.length; k++) {
        batch[k] = order[from + k];
      }
      float[][] vectors = runBatch(sequences, batch);
      for (int k = 0; k < batch.length; k++) {
        out[batch[k]] = vectors[k];
      }
    }
    return out;
  }

  private float[][] runBatch(List<long[]> sequences, int[] batch) throws OrtException {
    int rows = batch.length;
    int width = 0;
    for (int i : batch) {
      width = Math.max(width, sequences.get(i).length);
    }
    long[] ids = new long[rows * width];
    long[] mask = new long[rows * width];
    Arrays.fill(ids, padId);
    for (int r = 0; r < rows; r++) {
      long[] seq = sequences.get(batch[r]);
      System.arraycopy(seq, 0, ids, r * width, seq.length);
      Arrays.fill(mask, r * width, r * width + seq.length, 1L);
    }
    long[] shape = {rows, width};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (wantsTokenTypes) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[rows * width]), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
        return pool(hidden, mask, rows, width);
      }
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Mean of the hidden states where the mask is 1, then scaled to unit length. */
  private float[][] pool(FloatBuffer hidden, long[] mask, int rows, int width) {
    float[][] out = new float[rows][dimensions];
    for (int r = 0; r < rows; r++) {
      double[] sum = new double[dimensions];
      int count = 0;
      for (int t = 0; t < width; t++) {
        if (mask[r * width + t] == 0) {
          continue;
        }
        count++;
        int base = (r * width + t) * dimensions;
        for (int d = 0; d < dimensions; d++) {
          sum[d] += hidden.get(base + d);
        }
      }
      double norm = 0;
      for (int d = 0; d < dimensions; d++) {
        sum[d] /= Math.max(1, count);
        norm += sum[d] * sum[d];
      }
      norm = Math.sqrt(norm);
      for (int d = 0; d < dimensions; d++) {
        out[r][d] = (float) (norm == 0 ? 0 : sum[d] / norm);
      }
    }
    return out;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
