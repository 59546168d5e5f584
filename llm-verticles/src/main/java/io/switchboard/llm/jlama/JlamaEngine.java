package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.switchboard.api.ChatMessage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.llm.jlama.decode.LlamaPass;
import io.switchboard.llm.jlama.decode.Q4VectorOps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One loaded Jlama model and the generation loop over it. Plain blocking code for a worker thread: prompt in,
 * text pieces out through a callback, with exact {@code max_tokens}, stop sequences, seeded sampling, cancellation
 * checked before every token and a deadline. Jlama loads the model (weights F32/F16/BF16/Q4, tokenizer, chat template);
 * this class owns the loop because Jlama's {@code generate} has no top_p, seed, stop sequences nor cancellation.
 * <p>
 * With the vector kernel on, a Llama-style Q4 model with {@code working_qtype: I8} runs on {@link LlamaPass} (prompt
 * in blocks, then each new token), and its key/value caches are kept in a {@link PrefixCache}: a prompt that starts
 * like an earlier prompt plus answer runs only the tokens after the shared prefix, with the same results as a cold run
 * (the pass computes every position identically however it is batched); a complete answer's cache entry also holds
 * its last token and the template's {@link TurnBoundary}, which the next turn's prompt repeats. Generations at the same
 * time (the backend's {@code concurrency}) each get a pass of their own over the same weights and share the cache.
 * Other models, other settings and CPUs without AVX-512 run on Jlama's own batched and one-token passes, without
 * prefix reuse.
 */
final class JlamaEngine implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(JlamaEngine.class.getName());

  /** How one generation should run. {@code maxTokens} null means "as many as the context allows, up to {@code defaultMaxTokens}". */
  record Params(Integer maxTokens, int defaultMaxTokens, double temperature, double topP, long seed, List<String> stop, long deadlineMs) {
  }

  /** What a generation produced: the text without any stop sequence, token counts, OpenAI's finish reason, prompt tokens reused from the cache. */
  record Result(String text, int promptTokens, int completionTokens, String finishReason, int cachedTokens) {
  }

  private final AbstractModel model;
  private final Optional<LlamaPass> fast;
  /** Passes not running a generation now; more are made (up to {@link #maxPasses}) for generations at the same time. */
  private final Deque<LlamaPass> idle = new ArrayDeque<>();
  private final List<LlamaPass> passes = new ArrayList<>();
  /**
   * Each pass's logits buffer (half a megabyte for a 128k vocabulary), kept between generations: allocated per request,
   * it could start a garbage collection inside the prompt's prefill (see KvPageReserve).
   */
  private final Map<LlamaPass, float[]> logitBuffers = new IdentityHashMap<>();
  private final int maxPasses;
  private final PrefixCache prefixes;
  private final KvBufferCache kvCache;
  private final OutputHead head;
  private final TokenText text;
  /** What the chat template writes between an answer and the next user's words ({@link TurnBoundary}); empty without prefix reuse. */
  private final int[] boundary;
  private final AtomicLong generated = new AtomicLong();

  private JlamaEngine(AbstractModel model, boolean fastPass, long prefixCacheBytes, int maxPasses) {
    this.model = model;
    this.maxPasses = Math.max(1, maxPasses);
    // As many threads as Jlama uses (physical cores, at least 2), but never more than there are processors: the pass's
    // helper threads spin while a token is computed.
    int threads = Math.min(PhysicalCoreExecutor.instance.get().getCoreCount(), Runtime.getRuntime().availableProcessors());
    this.fast = fastPass ? LlamaPass.of(model, threads) : Optional.empty();
    fast.ifPresent(p -> {
      long t0 = System.nanoTime();
      p.warmUp();
      LOG.log(System.Logger.Level.INFO, "Switchboard''s forward pass ready ({0} MB of repacked weights), warmed up in {1} ms",
        p.weightBytes() >> 20, (System.nanoTime() - t0) / 1_000_000);
      passes.add(p);
      idle.push(p);
    });
    this.prefixes = fast.isPresent() && prefixCacheBytes > 0 ? new PrefixCache(cacheBudget(prefixCacheBytes)) : null;
    this.kvCache = new KvBufferCache(model);
    this.head = OutputHead.of(model);
    this.text = new TokenText(model.getTokenizer().getModel());
    this.boundary = prefixes != null ? TurnBoundary.of(this::encodeChat) : new int[0];
  }

  /** At most a quarter of the Java heap, which also holds the repacked weights and every running generation's cache. */
  private static long cacheBudget(long configured) {
    long quarter = Runtime.getRuntime().maxMemory() / 4;
    if (configured > quarter) {
      LOG.log(System.Logger.Level.INFO, "prefix_cache_bytes {0} is more than a quarter of the Java heap; the prefix cache keeps {1} bytes",
        configured, quarter);
      return quarter;
    }
    return configured;
  }

  /** {@link #load(Path, DType, DType, Optional, boolean, long, int)} with the vector kernel, no prefix cache, one generation at a time. */
  static JlamaEngine load(Path dir, DType workingDType, DType workingQType, Optional<DType> quantizeTo) throws IOException {
    return load(dir, workingDType, workingQType, quantizeTo, true, 0, 1);
  }

  /**
   * Loads the model folder (config.json, tokenizer.json, model.safetensors or an index). {@code quantizeTo} (Q4)
   * loads a quantized copy instead, made once beside the folder ({@link JlamaModels#quantize}). {@code workingQType}
   * is the type activations are quantized to for the matrix products of a quantized model (I8 is fastest with Q4
   * weights; Jlama falls back to F32 where it must). {@code vectorKernel} runs Q4 models on {@link LlamaPass} where it
   * applies and Jlama's one-token products of Q4 weights on {@link Q4VectorOps} (process-wide, see there) instead of
   * Jlama's kernels. {@code prefixCacheBytes} bounds the {@link PrefixCache} (0: no prefix reuse). {@code concurrency}
   * generations at once each get a pass of their own (sharing the weights and the prefix cache).
   */
  static JlamaEngine load(Path dir, DType workingDType, DType workingQType, Optional<DType> quantizeTo, boolean vectorKernel,
                          long prefixCacheBytes, int concurrency) throws IOException {
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
    return new JlamaEngine(m, vectorKernel && Q4VectorOps.active() && workingQType == DType.I8, prefixCacheBytes, concurrency);
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

  /** True when Q4 Llama-style models run on {@link LlamaPass} (and prompts may reuse cached prefixes) rather than Jlama's pass. */
  boolean fastPass() {
    return fast.isPresent();
  }

  /** The prefix cache, when prefixes are reused. */
  Optional<PrefixCache> prefixCache() {
    return Optional.ofNullable(prefixes);
  }

  /** The prefix cache's counters, when prefixes are reused. */
  Optional<PrefixCache.Stats> prefixCacheStats() {
    return prefixCache().map(PrefixCache::stats);
  }

  /** Conversations whose caches are kept, most recently used first (see {@link io.switchboard.api.ConversationKey}); empty without a cache. */
  List<String> cachedConversations() {
    return prefixes == null ? List.of() : prefixes.labels();
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

  /** {@link #generate(int[], Params, Consumer, BooleanSupplier, String)} without a conversation label. */
  Result generate(int[] prompt, Params p, Consumer<String> onText, BooleanSupplier cancelled) {
    return generate(prompt, p, onText, cancelled, null);
  }

  /** {@link #generate(int[], Params, Consumer, BooleanSupplier, String, Consumer)}, the answer only returned. */
  Result generate(int[] prompt, Params p, Consumer<String> onText, BooleanSupplier cancelled, String conversation) {
    return generate(prompt, p, onText, cancelled, conversation, r -> { });
  }

  /**
   * Generates the answer to {@code prompt}. {@code onText} receives text as it becomes final (never a part of a stop
   * sequence). Throws {@link MeshException} CANCELLED when {@code cancelled} turns true, TIMEOUT past the deadline,
   * CONTEXT_TOO_LONG when prompt plus {@code max_tokens} exceed the context. {@code conversation} labels the cache
   * entry this generation leaves (status only; may be null).
   * <p>
   * {@code done} is given the complete answer as soon as it is complete, before the pass keeps what a next turn would
   * start with (the answer's last sampled token and the template's turn boundary: {@link Forward#answered}), which
   * takes a block of the model's time: the caller ends its answer there, so no answer waits for it. This method
   * returns after it (the pass is busy until then).
   */
  Result generate(int[] prompt, Params p, Consumer<String> onText, BooleanSupplier cancelled, String conversation,
                  Consumer<Result> done) {
    int context = contextLength();
    if (prompt.length >= context) {
      throw new MeshException(ErrorCode.CONTEXT_TOO_LONG, "the prompt is " + prompt.length + " tokens; the model's context is " + context);
    }
    int maxNew = p.maxTokens() != null ? p.maxTokens() : Math.min(p.defaultMaxTokens(), context - prompt.length);
    if (prompt.length + maxNew > context) {
      throw new MeshException(ErrorCode.CONTEXT_TOO_LONG, "prompt (" + prompt.length + " tokens) + max_tokens (" + maxNew
        + ") exceed the model's context of " + context + " tokens", "max_tokens");
    }
    LlamaPass pass = acquire();
    try (Forward f = pass != null ? new PassForward(pass, prefixes, model.getConfig(), logits(pass), boundary, conversation)
      : new JlamaForward(model, kvCache, head)) {
      Answer a = loop(prompt, maxNew, p, f, onText, cancelled);
      done.accept(a.result());
      if (a.unrun() != null) {
        f.answered(a.unrun());
      }
      return a.result();
    } finally {
      if (pass != null) {
        release(pass);
      }
    }
  }

  /** An idle pass, a new one while fewer than {@code concurrency} exist, or null (Jlama's pass runs). */
  private synchronized LlamaPass acquire() {
    if (!idle.isEmpty()) {
      return idle.pop();
    }
    if (fast.isPresent() && passes.size() < maxPasses) {
      LlamaPass p = fast.get().sibling();
      passes.add(p);
      return p;
    }
    return null;
  }

  private synchronized void release(LlamaPass p) {
    idle.push(p);
  }

  private synchronized float[] logits(LlamaPass p) {
    return logitBuffers.computeIfAbsent(p, k -> new float[model.getConfig().vocabularySize]);
  }

  /** A complete answer, and the tokens it sampled that have not run through the model (null: nothing to keep for a next turn). */
  private record Answer(Result result, int[] unrun) {
  }

  private Answer loop(int[] prompt, int maxNew, Params p, Forward f, Consumer<String> onText, BooleanSupplier cancelled) {
    Sampler sampler = new Sampler(p.temperature(), p.topP(), p.seed());
    StopSequences stops = new StopSequences(p.stop());
    TokenText.Decoder decoder = text.decoder();
    StringBuilder answer = new StringBuilder();
    List<Integer> eos = model.getConfig().eosTokens;
    float[] logits = f.logits();
    int completion = 0;
    String finish = "length";
    int[] unrun = null;
    check(cancelled, p.deadlineMs());
    int next = pick(f.prompt(prompt, logits, () -> check(cancelled, p.deadlineMs())), logits, sampler);
    int pos = prompt.length;
    while (true) {
      generated.incrementAndGet();
      if (eos.contains(next)) {
        finish = "stop";
        unrun = new int[0];
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
        unrun = new int[] {next};
        break;
      }
      check(cancelled, p.deadlineMs());
      next = pick(f.next(next, pos++, logits), logits, sampler);
    }
    String rest = stops.flush();
    if (!rest.isEmpty()) {
      answer.append(rest);
      onText.accept(rest);
    }
    return new Answer(new Result(answer.toString(), prompt.length, completion, finish, f.cachedTokens()), unrun);
  }

  private static void check(BooleanSupplier cancelled, long deadlineMs) {
    if (cancelled.getAsBoolean()) {
      throw new MeshException(ErrorCode.CANCELLED, "generation cancelled");
    }
    if (System.currentTimeMillis() > deadlineMs) {
      throw new MeshException(ErrorCode.TIMEOUT, "generation passed the request's deadline");
    }
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
    synchronized (this) {
      passes.forEach(LlamaPass::close);
    }
    kvCache.close();
    model.close();
  }
}
