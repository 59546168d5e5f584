package io.switchboard.llm.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.llm.jlama.decode.KvPage;
import io.switchboard.llm.jlama.decode.KvSequence;
import io.switchboard.llm.jlama.decode.LlamaPass;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prefix cache's bookkeeping, on real key/value sequences of the tiny Q4 Llama run through Switchboard's pass. */
class PrefixCacheTest {

  @TempDir
  static Path dir;
  static AbstractModel model;
  static LlamaPass pass;
  static long pageBytes;

  @BeforeAll
  static void load() throws Exception {
    Path q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("tiny")), DType.Q4);
    model = ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, q4.toFile(), null, DType.F32, DType.I8, Optional.empty(),
      Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
    pass = LlamaPass.of(model, 2).orElseThrow();
    pageBytes = run(tokens(1, 1)).pages()[0].bytes();
  }

  @AfterAll
  static void close() {
    pass.close();
    model.close();
  }

  /** {@code n} token ids starting at {@code first}, stepping through printable bytes. */
  static int[] tokens(int first, int n) {
    return IntStream.range(0, n).map(i -> 33 + (first + i * 7) % 90).toArray();
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static KvSequence run(int[] tokens) {
    KvSequence s = pass.newSequence();
    pass.forward(tokens, 0, tokens.length, s, new float[model.getConfig().vocabularySize]);
    return s;
  }

  /** {@code prompt} run on the sequence the cache gives for it, up to its end. */
  static KvSequence extend(PrefixCache cache, int[] prompt) {
    KvSequence s = cache.take(prompt, pass::newSequence);
    pass.forward(prompt, s.length(), prompt.length, s, new float[model.getConfig().vocabularySize]);
    return s;
  }

  @Test
  void theLongestCachedPrefixIsReusedButNeverTheLastPromptToken() {
    PrefixCache cache = new PrefixCache(1L << 30);
    int[] system = tokens(0, 40);
    cache.put(run(concat(system, tokens(100, 10))), "a");
    cache.put(run(concat(system, tokens(200, 25))), "b");
    KvSequence s = cache.take(concat(concat(system, tokens(200, 25)), tokens(300, 5)), pass::newSequence);
    assertEquals(65, s.length(), "all of b's 65 tokens");
    KvSequence again = cache.take(concat(system, tokens(200, 25)), pass::newSequence);
    assertEquals(64, again.length(), "the prompt is exactly b: its last token runs again for the next token's logits");
    KvSequence shared = cache.take(concat(system, tokens(400, 3)), pass::newSequence);
    assertEquals(40, shared.length(), "only the system prompt is shared");
    KvSequence none = cache.take(tokens(500, 9), pass::newSequence);
    assertEquals(0, none.length());
    PrefixCache.Stats stats = cache.stats();
    assertEquals(3, stats.hits());
    assertEquals(1, stats.misses());
    assertEquals(65 + 64 + 40, stats.reusedTokens());
  }

  @Test
  void aContinuedConversationReplacesItsEarlierTurnAndSharedPagesCountOnce() {
    PrefixCache cache = new PrefixCache(1L << 30);
    int[] system = tokens(0, 48);
    int[] turn1 = concat(system, tokens(100, 20));
    cache.put(run(turn1), "call-1");
    long afterOne = cache.stats().bytes();
    assertEquals(5 * pageBytes, afterOne, "68 positions in five pages");
    int[] turn2 = concat(turn1, tokens(200, 30));
    cache.put(extend(cache, turn2), "call-1");
    assertEquals(1, cache.stats().entries(), "turn 2 covers every prefix turn 1 did");
    assertEquals(7 * pageBytes, cache.stats().bytes(), "98 positions in seven pages");
    int[] other = concat(system, tokens(300, 10));
    cache.put(extend(cache, other), "call-2");
    assertEquals(2, cache.stats().entries());
    assertEquals((7 + 1) * pageBytes, cache.stats().bytes(), "the other call shares the system prompt's three whole pages and adds its own last page");
    assertEquals(List.of("call-2", "call-1"), cache.labels());
  }

  @Test
  void leastRecentlyUsedEntriesLeaveWhenTheBudgetIsExceeded() {
    PrefixCache cache = new PrefixCache(10 * pageBytes);
    cache.put(run(tokens(0, 64)), "a");
    cache.put(run(tokens(1, 64)), "b");
    assertEquals(8 * pageBytes, cache.stats().bytes());
    assertEquals(4, cache.take(concat(tokens(0, 64), tokens(9, 1)), pass::newSequence).length() / 16, "a is used: b is now the oldest");
    cache.put(run(tokens(2, 64)), "c");
    PrefixCache.Stats s = cache.stats();
    assertEquals(2, s.entries());
    assertEquals(1, s.evictions());
    assertTrue(s.bytes() <= s.budget());
    assertEquals(List.of("c", "a"), cache.labels());
    assertEquals(0, cache.take(concat(tokens(1, 64), tokens(9, 1)), pass::newSequence).length(), "b is gone");
    PrefixCache tiny = new PrefixCache(pageBytes);
    tiny.put(run(tokens(3, 40)), "too big");
    assertEquals(0, tiny.stats().entries(), "an entry larger than the whole budget is not kept");
    assertEquals(0, tiny.stats().bytes());
  }

  @Test
  void theCacheIsMeteredAndItsMetersLeaveWithTheBackend() {
    MeterRegistry registry = new SimpleMeterRegistry();
    PrefixCache cache = new PrefixCache(10 * pageBytes);
    try (PrefixCacheMeters meters = PrefixCacheMeters.register(registry, "local-llama", cache)) {
      cache.put(run(tokens(0, 64)), "a");
      cache.take(concat(tokens(0, 64), tokens(9, 1)), pass::newSequence);
      cache.take(tokens(5, 9), pass::newSequence);
      cache.put(run(tokens(1, 64)), "b");
      cache.put(run(tokens(2, 64)), "c");
      assertEquals(8 * pageBytes, registry.get("switchboard.jlama.prefix_cache").tag("backend", "local-llama").gauge().value());
      assertEquals(10 * pageBytes, registry.get("switchboard.jlama.prefix_cache.budget").gauge().value());
      assertEquals(2, registry.get("switchboard.jlama.prefix_cache.entries").gauge().value());
      assertEquals(1, registry.get("switchboard.jlama.prefix_cache.lookups").tag("result", "hit").functionCounter().count());
      assertEquals(1, registry.get("switchboard.jlama.prefix_cache.lookups").tag("result", "miss").functionCounter().count());
      assertEquals(64, registry.get("switchboard.jlama.prefix_cache.reused_tokens").functionCounter().count());
      assertEquals(1, registry.get("switchboard.jlama.prefix_cache.evictions").functionCounter().count());
      assertEquals(7, registry.getMeters().size());
    }
    assertEquals(0, registry.getMeters().size(), "closed with the backend");
    PrefixCacheMeters.register(null, "local-llama", cache).close(); // metrics off: nothing to register
  }

  @Test
  void aCachedSequenceIsSealedAndATakenPrefixIsPrivate() {
    PrefixCache cache = new PrefixCache(1L << 30);
    KvSequence stored = run(tokens(0, 30));
    cache.put(stored, null);
    assertThrows(IllegalStateException.class, () -> pass.forward(new int[] {40}, 0, 1, stored, new float[model.getConfig().vocabularySize]));
    KvSequence taken = cache.take(concat(tokens(0, 30), tokens(50, 2)), pass::newSequence);
    assertEquals(30, taken.length());
    KvPage[] theirs = stored.pages();
    assertSame(theirs[1], taken.pages()[1], "the partial page is read in place until the taker writes");
    pass.forward(tokens(50, 2), 0, 2, taken, new float[model.getConfig().vocabularySize]);
    KvPage[] mine = taken.pages();
    assertSame(theirs[0], mine[0], "the whole page is shared");
    assertNotSame(theirs[1], mine[1], "the partial page is copied before it is written");
  }

  /**
   * Requests on the same cached prefix at the same time, each with its own continuation, on two passes: every
   * continuation's keys and values and logits equal a cold run's, and the cached entry is unchanged by all of them.
   */
  @Test
  void concurrentRequestsOnOneCachedPrefixNeverSeeEachOthersWrites() throws Exception {
    PrefixCache cache = new PrefixCache(1L << 30);
    int[] system = tokens(0, 37);
    cache.put(run(system), "shared");
    int vocab = model.getConfig().vocabularySize;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (LlamaPass second = pass.sibling()) {
      LlamaPass[] passes = {pass, second};
      for (int round = 0; round < 4; round++) {
        List<Callable<float[]>> jobs = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
          int[] prompt = concat(system, tokens(100 + 10 * round + k, 12 + k));
          prompts.add(prompt);
          LlamaPass p = passes[k];
          jobs.add(() -> {
            KvSequence s = cache.take(prompt, p::newSequence);
            float[] logits = new float[vocab];
            p.forward(prompt, s.length(), prompt.length, s, logits);
            return logits;
          });
        }
        List<Future<float[]>> results = pool.invokeAll(jobs);
        for (int k = 0; k < 2; k++) {
          float[] cold = new float[vocab];
          pass.forward(prompts.get(k), 0, prompts.get(k).length, pass.newSequence(), cold);
          assertArrayEquals(cold, results.get(k).get(), "round " + round + " request " + k + " equals a cold run");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    float[] cold = new float[vocab];
    int[] probe = concat(system, tokens(900, 3));
    pass.forward(probe, 0, probe.length, pass.newSequence(), cold);
    float[] warm = new float[vocab];
    KvSequence s = cache.take(probe, pass::newSequence);
    assertEquals(37, s.length());
    pass.forward(probe, s.length(), probe.length, s, warm);
    assertArrayEquals(cold, warm, "the cached prefix still gives a cold run's logits");
  }
}
