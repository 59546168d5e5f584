package io.switchboard.bench.llm;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import io.switchboard.llm.jlama.decode.KvSequence;
import io.switchboard.llm.jlama.decode.LlamaPass;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Switchboard's forward pass alone ({@link LlamaPass}, no bus, no sampler, no tokenizer) on the random 1B-shaped Q4
 * model that {@code bench/jlama.sh} writes: the kernels' own speed, in a bounded run of about a minute, for iterating
 * on them. Prints one line per part: generation (ms per token after a 64-token prompt), a 54-token follow-up block
 * after a 500-token history (what a conversation's later turn runs), cold prefill of 500 tokens, and prefill up to
 * {@code long} tokens with the CPU time of its first and last 64-token chunks (how attention grows with the position),
 * then the same follow-up block after those {@code long} tokens ({@code long=1324}: the bench conversation's tenth turn).
 * With {@code threads=1} the CPU times are one thread's work, without the helpers' spinning: the steadiest figures on a
 * shared machine.
 * <p>
 * {@code PassBench MODEL_DIR [threads=2] [long=2000]}
 */
public final class PassBench {

  private PassBench() {
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int longPrompt = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    AbstractModel m = ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, dir.toFile(), null, DType.F32, DType.I8,
      Optional.empty(), Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
    LlamaPass pass = LlamaPass.of(m, threads).orElseThrow();
    int vocab = m.getConfig().vocabularySize;
    float[] logits = new float[vocab];
    // Room for the longest prompt run below (the cold 500 and the long one) and a follow-up block after it.
    int[] tokens = new Random(7).ints(Math.max(longPrompt, 500) + 64, 3, vocab).toArray();
    pass.warmUp();
    pass.warmUp();

    KvSequence kv = pass.newSequence();
    pass.forward(tokens, 0, 64, kv, logits);
    int gen = 48;
    long t0 = System.nanoTime();
    long cpu0 = cpuNanos();
    for (int i = 64; i < 64 + gen; i++) {
      pass.forward(tokens, i, i + 1, kv, logits);
    }
    double msPerToken = (System.nanoTime() - t0) / 1e6 / gen;
    System.out.printf(Locale.ROOT, "generation: %.2f ms/token (%.1f tokens/s; CPU %.1f ms/token), weights %.0f MB%n", msPerToken,
      1000 / msPerToken, (cpuNanos() - cpu0) / 1e6 / gen, pass.weightBytes() / 1e6);

    kv = pass.newSequence();
    t0 = System.nanoTime();
    cpu0 = cpuNanos();
    pass.forward(tokens, 0, 500, kv, logits);
    double cold = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "cold 500: %.2f s (%.1f tokens/s; CPU %.2f s)%n", cold, 500 / cold, (cpuNanos() - cpu0) / 1e9);
    followUps(pass, tokens, kv, 500, logits);

    kv = pass.newSequence();
    long start = System.nanoTime();
    double first = 0;
    double last = 0;
    for (int at = 0; at < longPrompt; at += 64) {
      int end = Math.min(longPrompt, at + 64);
      long c0 = cpuNanos();
      pass.forward(tokens, at, end, kv, logits);
      double ms = (cpuNanos() - c0) / 1e6;
      if (at == 0) {
        first = ms;
      }
      last = ms * 64 / (end - at);
    }
    double total = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "cold %d: %.2f s (%.1f tokens/s); CPU time of the first 64-token chunk %.0f ms, of the last %.0f ms"
      + " per 64 tokens%n", longPrompt, total,
      longPrompt / total, first, last);
    followUps(pass, tokens, kv, longPrompt, logits);
    pass.close();
    m.close();
  }

  /** Three times a conversation's later turn: 54 new tokens after {@code cached} positions taken from {@code kv}. */
  private static void followUps(LlamaPass pass, int[] tokens, KvSequence kv, int cached, float[] logits) {
    for (int rep = 0; rep < 3; rep++) {
      KvSequence turn = KvSequence.prefixOf(kv, cached);
      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      pass.forward(tokens, cached, cached + 54, turn, logits);
      double f = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "follow-up 54 after %d: %.3f s (%.1f tokens/s; CPU %.3f s)%n", cached, f, 54 / f,
        (cpuNanos() - cpu0) / 1e9);
    }
  }

  /**
   * CPU time of the whole process (both threads of the pass, helpers' spinning included): on a shared machine it moves
   * far less with the load than the wall clock does.
   */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
