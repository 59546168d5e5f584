package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.model.functions.SampleOutput;
import io.switchboard.api.ChatMessage;
import io.switchboard.llm.jlama.decode.LlamaDecoder;
import io.switchboard.llm.jlama.decode.Q4VectorOps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast decoder against Jlama's own forward pass, token by token after a prompt that Jlama runs, on tiny Llamas with
 * Q4 weights. The reference is Jlama with F32 activations on its own kernels (the vector kernel switched off), which
 * is what the decoder computes; they sum in different orders, so the logits agree up to float rounding carried
 * through the layers.
 */
@SuppressWarnings("rawtypes")
class LlamaDecoderTest {

  /** Rounding through two layers of different summation orders (measured: under 5e-7) stays below this share of the largest logit. */
  private static final double TOLERANCE = 1e-5;

  @TempDir
  Path dir;
  private static final Field sampleOutput = sampleOutputField();
  private final boolean kernelBefore = Q4VectorOps.active();

  @AfterEach
  void restoreKernel() {
    Q4VectorOps.use(kernelBefore);
  }

  private static Field sampleOutputField() {
    try {
      Field f = AbstractModel.class.getDeclaredField("sampleOutput");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }

  private static AbstractModel load(Path model, DType workingQ) {
    return ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, model.toFile(), null, DType.F32, workingQ, Optional.empty(),
      Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
  }

  @ParameterizedTest(name = "hidden {0}")
  @ValueSource(ints = {64, 512})
  void logitsAreJlamasAtEveryStep(int hidden) throws Exception {
    Path q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("h" + hidden), "F32", hidden), DType.Q4);
    Q4VectorOps.use(false);
    AbstractModel m = load(q4, DType.F32);
    KvBufferCache cache = new KvBufferCache(m);
    int vocab = m.getConfig().vocabularySize;
    SampleOutput out = (SampleOutput) sampleOutput.get(m);
    try (LlamaDecoder decoder = LlamaDecoder.of(m, 2).orElseThrow();
         KvBufferCache.KvBuffer theirs = cache.getEphemeralKvBuffer();
         KvBufferCache.KvBuffer mine = cache.getEphemeralKvBuffer();
         AbstractTensor scratch = m.makeDenseTensor(vocab)) {
      String prompt = ChatPrompt.render(m.promptSupport(), List.of(ChatMessage.of("user", "the decoder")));
      int[] tokens = m.encodePrompt(com.github.tjake.jlama.safetensors.prompt.PromptContext.of(prompt));
      m.batchForward(tokens, 0, theirs).close();
      m.batchForward(tokens, 0, mine).close();
      float[] expected = new float[vocab];
      float[] actual = new float[vocab];
      int token = tokens[tokens.length - 1] == 72 ? 105 : 72;
      for (int step = 0; step < 12; step++) {
        int position = tokens.length + step;
        // Jlama's logits in one product over every row: its own sampler splits the rows with VectorMath.pchunk, which
        // skips the last rows when the vocabulary is not a multiple of its split (this one is 265).
        try (AbstractTensor hiddenState = m.forward(token, position, theirs, Optional.empty());
             AbstractTensor normed = out.getOutputLayerNorm().forward(hiddenState)) {
          Q4VectorOps.jlamaOps().dotProductChunk(scratch, normed, out.getOutputLogitsWeights(), 0, m.getConfig().embeddingLength, 0, vocab);
        }
        for (int i = 0; i < vocab; i++) {
          expected[i] = scratch.get(0, i);
        }
        int expectedNext = OutputHead.finish(m.getConfig(), expected);
        decoder.logits(token, position, mine, actual);
        int actualNext = OutputHead.finish(m.getConfig(), actual);
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < vocab; i++) {
          largest = Math.max(largest, Math.abs(expected[i]));
          worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(largest > 0, "the logits are not all zero");
        assertTrue(worst <= TOLERANCE * largest, "step " + step + ": logits differ by " + worst + " (largest " + largest + ")");
        assertEquals(expectedNext, actualNext, "step " + step + ": the most likely next token");
        token = expectedNext;
      }
    } finally {
      cache.close();
      m.close();
    }
  }

  @Test
  void modelsItDoesNotRunAreLeftToJlama() throws Exception {
    AbstractModel f32 = load(TinyLlama.write(dir.resolve("f32")), DType.I8);
    try {
      assertFalse(LlamaDecoder.of(f32, 2).isPresent(), "F32 weights are Jlama's");
    } finally {
      f32.close();
    }
  }

  @Test
  void theEngineDecodesQ4ModelsWithTheKernelOnAndNotOff() throws Exception {
    Path q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("engine"), "F32", 512), DType.Q4);
    JlamaEngine.Params params = new JlamaEngine.Params(16, 64, 0.8, 0.95, 5, List.of(), System.currentTimeMillis() + 60_000);
    try (JlamaEngine e = JlamaEngine.load(q4, DType.F32, DType.I8, Optional.empty(), true)) {
      assertEquals(Q4VectorOps.active(), e.fastDecoder(), "the decoder runs wherever the vector kernel does");
      JlamaEngine.Result r = e.generate(e.encodeChat(List.of(ChatMessage.of("user", "hello"))), params, s -> { }, () -> false);
      assertEquals(16, r.completionTokens());
      assertTrue(r.text().chars().allMatch(ch -> ch >= 32 && ch < 127), r.text());
    }
    try (JlamaEngine e = JlamaEngine.load(q4, DType.F32, DType.I8, Optional.empty(), false)) {
      assertFalse(e.fastDecoder(), "q4_kernel: jlama keeps Jlama's forward pass");
      assertFalse(Q4VectorOps.active());
    }
  }
}
