package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.switchboard.api.ChatMessage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.llm.jlama.decode.LlamaDecoder;
import io.switchboard.llm.jlama.decode.Q4VectorOps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One loaded Jlama model and the generation loop over it. Plain blocking code for a worker thread: prompt in,
 * text pieces out through a callback, with exact {@code max_tokens}, stop sequences, seeded sampling, cancellation
 * checked before every token and a deadline. Jlama does the model (weights F32/F16/BF16/Q4, attention, KV cache,
 * its thread pool for the matrix work); this class owns the loop because Jlama's {@code generate} has no top_p, seed,
 * stop sequences nor cancellation. With the vector kernel on, the tokens after the prompt of a Llama-style Q4 model run
 * on {@link LlamaDecoder} (Jlama's numbers with F32 activations, up to float rounding, 1.5-2.3 times faster on the
 * benchmark machine); the prompt always runs on Jlama's batched pass.
 */
// Jlama's tensors are generic over the incubator Vector API types; naming their parameters would need that module at
// compile time, so they are used raw.
@SuppressWarnings("rawtypes")
final class JlamaEngine implements AutoCloseable {

  /** How one generation should run. {@code maxTokens} null means "as many as the context allows, up to {@code defaultMaxTokens}". */
  record Params(Integer maxTokens, int defaultMaxTokens, double temperature, double topP, long seed, List<String> stop, long deadlineMs) {
  }

  /** What a generation produced: the text without any stop sequence, token counts, OpenAI's finish reason. */
  record Result(String text, int promptTokens, int completionTokens, String finishReason) {
  }

  private final AbstractModel model;
  private final Optional<LlamaDecoder> fast;
  private final AtomicBoolean fastBusy = new AtomicBoolean();
  private final KvBufferCache kvCache;
  private final OutputHead head;
  private final TokenText text;
  private final AtomicLong generated = new AtomicLong();

  private JlamaEngine(AbstractModel model, boolean fastDecoder) {
    this.model = model;
    // As many threads as Jlama uses (physical cores, at least 2), but never more than there are processors: its helper
    // threads spin while a token is generated.
    int threads = Math.min(PhysicalCoreExecutor.instance.get().getCoreCount(), Runtime.getRuntime().availableProcessors());
    this.fast = fastDecoder ? LlamaDecoder.of(model, threads) : Optional.empty();
    this.kvCache = new KvBufferCache(model);
    this.head = OutputHead.of(model);
    this.text = new TokenText(model.getTokenizer().getModel());
  }

  /** {@link #load(Path, DType, DType, Optional, boolean)} with the vector kernel for Q4 weights (the default). */
  static JlamaEngine load(Path dir, DType workingDType, DType workingQType, Optional<DType> quantizeTo) throws IOException {
    return load(dir, workingDType, workingQType, quantizeTo, true);
  }

  /**
   * Loads the model folder (config.json, tokenizer.json, model.safetensors or an index). {@code quantizeTo} (Q4)
   * loads a quantized copy instead, made once beside the folder ({@link JlamaModels#quantize}). {@code workingQType}
   * is the type activations are quantized to for the matrix products of a quantized model (I8 is fastest with Q4
   * weights on Jlama's kernels; Jlama falls back to F32 where it must). {@code vectorKernel} runs the one-token
   * products of Q4 weights on {@link Q4VectorOps} (process-wide, see there) instead of Jlama's kernels.
   */
  static JlamaEngine load(Path dir, DType workingDType, DType workingQType, Optional<DType> quantizeTo, boolean vectorKernel)
    throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model folder " + dir + " does not exist");
    }
    for (String needed : List.of("config.json", "tokenizer.json")) {
      if (!Files.exists(dir.resolve(needed))) {
        throw new IllegalArgumentException("model folder " + dir + " has no " + needed);
      }
    }
    if (!SafeTensorSupport.isModelLocal(dir)) {
      throw new IllegalArgumentException("model folder " + dir + " has no model.safetensors (nor a complete index)");
    }
    Path folder = quantizeTo.isPresent() ? JlamaModels.quantize(dir, quantizeTo.get()) : dir;
    Q4VectorOps.use(vectorKernel);
    AbstractModel m = ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, folder.toFile(), null,
      workingDType, workingQType, Optional.empty(), Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
    try {
      checkSupported(m.getWeights().getModelDType(), workingDType, workingQType);
    } catch (IllegalArgumentException e) {
      m.close();
      throw new IllegalArgumentException(folder + ": " + e.getMessage(), e);
    }
    return new JlamaEngine(m, vectorKernel && Q4VectorOps.active());
  }

  /**
   * Refuses, at load, the type combinations Jlama 0.8.4 cannot run, so they fail with a reason instead of per
   * request, or (in its native kernels) by crashing the JVM: Q8 weights have no kernel at all; the native kernels
   * crash with BF16 working memory; Q4 weights multiply only I8 or F32 activations, and with BF16 working memory only I8.
   */
  static void checkSupported(DType weights, DType workingDType, DType workingQType) {
    if (weights == DType.I8) {
      throw new IllegalArgumentException("Q8 (I8) weights cannot run on Jlama; use F32, F16, BF16 or Q4 weights");
    }
    if (workingDType != DType.F32 && nativeKernels()) {
      throw new IllegalArgumentException("working_dtype " + workingDType + " is not supported by Jlama's native kernels; use F32"
        + " (or run with -Djlama.force_panama_tensor_operations=true)");
    }
    if (weights == DType.Q4 && workingQType == DType.BF16) {
      throw new IllegalArgumentException("Q4 weights need working_qtype I8 or F32");
    }
    if (weights == DType.Q4 && workingDType == DType.BF16 && workingQType != DType.I8) {
      throw new IllegalArgumentException("Q4 weights with working_dtype BF16 need working_qtype I8");
    }
  }

  /** True when Jlama uses its C kernels (jlama-native on x86-64 Linux) rather than its Vector API code. */
  static boolean nativeKernels() {
    return TensorOperationsProvider.get().name().toLowerCase(Locale.ROOT).contains("native");
  }

  int contextLength() {
    return model.getConfig().contextLength;
  }

  /** True when tokens after the prompt run on {@link LlamaDecoder} rather than Jlama's forward pass. */
  boolean fastDecoder() {
    return fast.isPresent();
  }

  /** Tokens sampled by this engine since it was loaded (all generations). */
  long generatedTokens() {
    return generated.get();
  }

  /** The prompt tokens of a chat, BOS included, rendered with the model's chat template. */
  int[] encodeChat(List<ChatMessage> messages) {
    String prompt = ChatPrompt.render(model.promptSupport(), messages);
    return model.encodePrompt(PromptContext.of(text.prepareForEncoding(prompt)));
  }

  /**
   * Generates the answer to {@code prompt}. {@code onText} receives text as it becomes final (never a part of a stop
   * sequence). Throws {@link MeshException} CANCELLED when {@code cancelled} turns true, TIMEOUT past the deadline,
   * CONTEXT_TOO_LONG when prompt plus {@code max_tokens} exceed the context.
   */
  Result generate(int[] prompt, Params p, Consumer<String> onText, BooleanSupplier cancelled) {
    int context = contextLength();
    if (prompt.length >= context) {
      throw new MeshException(ErrorCode.CONTEXT_TOO_LONG, "the prompt is " + prompt.length + " tokens; the model's context is " + context);
    }
    int maxNew = p.maxTokens() != null ? p.maxTokens() : Math.min(p.defaultMaxTokens(), context - prompt.length);
    if (prompt.length + maxNew > context) {
      throw new MeshException(ErrorCode.CONTEXT_TOO_LONG, "prompt (" + prompt.length + " tokens) + max_tokens (" + maxNew
        + ") exceed the model's context of " + context + " tokens", "max_tokens");
    }
    Sampler sampler = new Sampler(p.temperature(), p.topP(), p.seed());
    StopSequences stops = new StopSequences(p.stop());
    TokenText.Decoder decoder = text.decoder();
    StringBuilder answer = new StringBuilder();
    List<Integer> eos = model.getConfig().eosTokens;
    float[] scratch = new float[model.getConfig().vocabularySize];
    int completion = 0;
    String finish = "length";
    // The decoder has one set of buffers and threads: a second generation running at the same time uses Jlama's pass.
    LlamaDecoder decode = fast.isPresent() && fastBusy.compareAndSet(false, true) ? fast.get() : null;
    try (KvBufferCache.KvBuffer kv = kvCache.getEphemeralKvBuffer();
         AbstractTensor logits = model.makeDenseTensor(model.getConfig().vocabularySize)) {
      check(cancelled, p.deadlineMs());
      AbstractTensor out = model.batchForward(prompt, 0, kv);
      int next = pick(out.slice(out.shape().first() - 1), logits, scratch, sampler);
      out.close();
      int pos = prompt.length;
      while (true) {
        generated.incrementAndGet();
        if (eos.contains(next)) {
          finish = "stop";
          break;
        }
        completion++;
        String emitted = stops.accept(decoder.next(next));
        if (!emitted.isEmpty()) {
          answer.append(emitted);
          onText.accept(emitted);
        }
        if (stops.stopped()) {
          finish = "stop";
          break;
        }
        if (completion >= maxNew) {
          break;
        }
        check(cancelled, p.deadlineMs());
        if (decode != null) {
          decode.logits(next, pos++, kv, scratch);
          next = pick(OutputHead.finish(model.getConfig(), scratch), scratch, sampler);
        } else {
          AbstractTensor o = model.forward(next, pos++, kv, Optional.empty());
          next = pick(o, logits, scratch, sampler);
          o.close();
        }
      }
    } finally {
      if (decode != null) {
        fastBusy.set(false);
      }
    }
    String rest = stops.flush();
    if (!rest.isEmpty()) {
      answer.append(rest);
      onText.accept(rest);
    }
    return new Result(answer.toString(), prompt.length, completion, finish);
  }

  private static void check(BooleanSupplier cancelled, long deadlineMs) {
    if (cancelled.getAsBoolean()) {
      throw new MeshException(ErrorCode.CANCELLED, "generation cancelled");
    }
    if (System.currentTimeMillis() > deadlineMs) {
      throw new MeshException(ErrorCode.TIMEOUT, "generation passed the request's deadline");
    }
  }

  private int pick(AbstractTensor hidden, AbstractTensor logits, float[] scratch, Sampler sampler) {
    return pick(head.logits(hidden, logits, scratch), scratch, sampler);
  }

  private static int pick(int argmax, float[] scratch, Sampler sampler) {
    if (argmax < 0) {
      // No logit is a number: a broken checkpoint, not a request problem.
      throw new MeshException(ErrorCode.INTERNAL, "the model produced no valid logits (NaN): its weights are broken");
    }
    return sampler.pick(scratch, argmax);
  }

  @Override
  public void close() {
    fast.ifPresent(LlamaDecoder::close);
    kvCache.close();
    model.close();
  }
}
