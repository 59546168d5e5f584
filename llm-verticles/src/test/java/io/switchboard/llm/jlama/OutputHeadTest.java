package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import io.switchboard.api.ChatMessage;
import io.switchboard.llm.jlama.decode.Q4VectorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our output projection against Jlama's own sampler, on unquantized and on Q4 weights. */
@SuppressWarnings("rawtypes")
class OutputHeadTest {

  @TempDir
  Path dir;

  private static AbstractModel load(Path model, DType workingQ, Optional<DType> quantize) {
    return ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, model.toFile(), null, DType.F32, workingQ, quantize,
      Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
  }

  /** Logits of the last prompt position: ours and Jlama's. */
  private static float[][] bothLogits(AbstractModel m, OutputHead head) {
    int vocab = m.getConfig().vocabularySize;
    float[] ours = new float[vocab];
    float[] theirs = new float[vocab];
    KvBufferCache cache = new KvBufferCache(m);
    try (KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
         AbstractTensor scratch = m.makeDenseTensor(vocab)) {
      AbstractTensor out = m.batchForward(new int[] {TinyLlama.id(TinyLlama.BOS), 72, 105, 33}, 0, kv);
      AbstractTensor last = out.slice(out.shape().first() - 1);
      int argmax = head.logits(last, scratch, ours);
      int jlamaArgmax = m.sample(last, 0f, 0f, scratch);
      for (int i = 0; i < vocab; i++) {
        theirs[i] = scratch.get(0, i);
      }
      assertEquals(jlamaArgmax, argmax);
    }
    return new float[][] {ours, theirs};
  }

  @Test
  void unquantizedLogitsAreJlamasExactly() throws Exception {
    AbstractModel m = load(TinyLlama.write(dir), DType.I8, Optional.empty());
    OutputHead head = OutputHead.of(m);
    assertFalse(head.quantizesActivations(), "F32 weights take F32 activations");
    float[][] l = bothLogits(m, head);
    assertArrayEquals(l[1], l[0]);
    m.close();
  }

  @Test
  void q4WeightsGetI8ActivationsOnJlamasKernelsAndNearlyTheSameLogits() throws Exception {
    Path q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("wide"), "F32", 512), DType.Q4);
    assertEquals(dir.resolve("wide-JQ4"), q4);
    AbstractModel m = load(q4, DType.I8, Optional.empty());
    boolean kernel = Q4VectorOps.active();
    try {
      Q4VectorOps.use(false);
      OutputHead head = OutputHead.of(m);
      assertTrue(head.quantizesActivations());
      assertNearlyEqual(bothLogits(m, head));
      Q4VectorOps.use(true);
      OutputHead vector = OutputHead.of(m);
      assertEquals(!Q4VectorOps.active(), vector.quantizesActivations(), "the vector kernel takes F32 activations");
      assertNearlyEqual(bothLogits(m, vector));
    } finally {
      Q4VectorOps.use(kernel);
      m.close();
    }
  }

  private static void assertNearlyEqual(float[][] l) {
    double dot = 0;
    double a = 0;
    double b = 0;
    for (int i = 0; i < l[0].length; i++) {
      dot += l[0][i] * l[1][i];
      a += l[0][i] * l[0][i];
      b += l[1][i] * l[1][i];
    }
    assertTrue(dot / Math.sqrt(a * b) > 0.99, "cosine " + dot / Math.sqrt(a * b));
  }

  @Test
  void theEngineGeneratesOnAQ4CopyOfBf16Weights() throws Exception {
    try (JlamaEngine e = JlamaEngine.load(TinyLlama.write(dir.resolve("bf16"), "BF16", 512), DType.F32, DType.I8, Optional.of(DType.Q4))) {
      JlamaEngine.Result r = e.generate(e.encodeChat(List.of(ChatMessage.of("user", "quantized"))),
        new JlamaEngine.Params(24, 64, 0.8, 0.95, 3, List.of(), System.currentTimeMillis() + 60_000), s -> { }, () -> false);
      assertEquals(24, r.completionTokens());
      assertTrue(r.text().chars().allMatch(ch -> ch >= 32 && ch < 127), r.text());
    }
    assertTrue(java.nio.file.Files.exists(dir.resolve("bf16-JQ4/model.safetensors")), "the Q4 copy is kept for the next start");
  }

  @Test
  void q8WeightsAreRefusedAtLoadBecauseJlamaCannotMultiplyThem() throws Exception {
    Path q8 = JlamaModels.quantize(TinyLlama.write(dir.resolve("eight"), "F32", 512), DType.I8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JlamaEngine.load(q8, DType.F32, DType.I8, Optional.empty()));
    assertTrue(e.getMessage().contains("Q8"), e.getMessage());
  }
}
