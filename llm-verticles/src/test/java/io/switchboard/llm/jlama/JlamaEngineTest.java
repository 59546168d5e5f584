package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.DType;
import io.switchboard.api.ChatMessage;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation loop on the real Jlama code, over the tiny Llama the test writes. */
class JlamaEngineTest {

  @TempDir
  static Path dir;
  static JlamaEngine engine;

  @BeforeAll
  static void load() throws Exception {
    engine = JlamaEngine.load(TinyLlama.write(dir.resolve("tiny")), DType.F32, DType.I8, Optional.empty());
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  private static JlamaEngine.Params params(Integer maxTokens, double temperature, long seed, List<String> stop) {
    return new JlamaEngine.Params(maxTokens, 64, temperature, 1.0, seed, stop, System.currentTimeMillis() + 60_000);
  }

  private static int[] prompt(String text) {
    return engine.encodeChat(List.of(ChatMessage.of("system", "be brief"), ChatMessage.of("user", text)));
  }

  @Test
  void promptUsesTheChatTemplateAndBos() {
    int[] tokens = prompt("hi");
    assertEquals(TinyLlama.id(TinyLlama.BOS), tokens[0]);
    long headers = java.util.Arrays.stream(tokens).filter(t -> t == TinyLlama.id("<|start_header_id|>")).count();
    assertEquals(3, headers, "system, user and the generation prompt each open a header");
  }

  @Test
  void maxTokensIsExactAndASeedMakesItDeterministic() {
    List<String> pieces = new ArrayList<>();
    JlamaEngine.Result a = engine.generate(prompt("hello there"), params(40, 0.8, 7, List.of()), pieces::add, () -> false);
    JlamaEngine.Result b = engine.generate(prompt("hello there"), params(40, 0.8, 7, List.of()), s -> { }, () -> false);
    JlamaEngine.Result c = engine.generate(prompt("hello there"), params(40, 0.8, 8, List.of()), s -> { }, () -> false);
    assertEquals(40, a.completionTokens());
    assertEquals("length", a.finishReason());
    assertEquals(a.text(), b.text());
    assertNotEquals(a.text(), c.text(), "another seed samples other words");
    assertEquals(a.text(), String.join("", pieces));
    assertEquals(prompt("hello there").length, a.promptTokens());
    assertTrue(a.text().chars().allMatch(ch -> ch >= 32 && ch < 127), a.text());
  }

  @Test
  void aStopSequenceEndsTheAnswerAndIsNotEmitted() {
    JlamaEngine.Result full = engine.generate(prompt("stop test"), params(60, 0.7, 11, List.of()), s -> { }, () -> false);
    String stop = full.text().substring(20, 23);
    int at = full.text().indexOf(stop);
    List<String> pieces = new ArrayList<>();
    JlamaEngine.Result cut = engine.generate(prompt("stop test"), params(60, 0.7, 11, List.of("zzzz-never", stop)), pieces::add, () -> false);
    assertEquals(full.text().substring(0, at), cut.text());
    assertEquals(cut.text(), String.join("", pieces));
    assertEquals("stop", cut.finishReason());
    assertTrue(cut.completionTokens() < 60);
    assertFalse(String.join("", pieces).contains(stop));
  }

  @Test
  void greedyNeedsNoSeed() {
    JlamaEngine.Result a = engine.generate(prompt("greedy"), params(16, 0, 1, List.of()), s -> { }, () -> false);
    JlamaEngine.Result b = engine.generate(prompt("greedy"), params(16, 0, 2, List.of()), s -> { }, () -> false);
    assertEquals(a.text(), b.text());
    assertEquals(16, a.completionTokens());
  }

  @Test
  void cancellationStopsBeforeTheNextToken() {
    AtomicInteger pieces = new AtomicInteger();
    long before = engine.generatedTokens();
    MeshException e = assertThrows(MeshException.class, () -> engine.generate(prompt("cancel"), params(2000, 0.8, 3, List.of()),
      s -> pieces.incrementAndGet(), () -> pieces.get() >= 3));
    assertEquals(ErrorCode.CANCELLED, e.errorCode());
    assertTrue(engine.generatedTokens() - before < 10, "generated " + (engine.generatedTokens() - before));
  }

  @Test
  void aPromptPlusMaxTokensBeyondTheContextIsRefused() {
    MeshException e = assertThrows(MeshException.class, () -> engine.generate(prompt("long"), params(TinyLlama.CONTEXT, 0.8, 3, List.of()),
      s -> { }, () -> false));
    assertEquals(ErrorCode.CONTEXT_TOO_LONG, e.errorCode());
    assertTrue(e.getMessage().contains("max_tokens"), e.getMessage());
  }

  @Test
  void aPassedDeadlineIsATimeout() {
    MeshException e = assertThrows(MeshException.class, () -> engine.generate(prompt("late"),
      new JlamaEngine.Params(10, 64, 0.8, 1.0, 1, List.of(), System.currentTimeMillis() - 1), s -> { }, () -> false));
    assertEquals(ErrorCode.TIMEOUT, e.errorCode());
  }

  @Test
  void topPOfAlmostZeroIsGreedy() {
    JlamaEngine.Result greedy = engine.generate(prompt("nucleus"), params(12, 0, 1, List.of()), s -> { }, () -> false);
    JlamaEngine.Result nucleus = engine.generate(prompt("nucleus"),
      new JlamaEngine.Params(12, 64, 1.0, 1e-9, 5, List.of(), System.currentTimeMillis() + 60_000), s -> { }, () -> false);
    assertEquals(greedy.text(), nucleus.text());
  }

  @ParameterizedTest
  @ValueSource(strings = {"F16", "BF16"})
  void halfPrecisionWeightsLoadAndGenerate(String dtype) throws Exception {
    try (JlamaEngine half = JlamaEngine.load(TinyLlama.write(dir.resolve("tiny-" + dtype), dtype), DType.F32, DType.I8, Optional.empty())) {
      JlamaEngine.Result r = half.generate(half.encodeChat(List.of(ChatMessage.of("user", "hi"))), params(8, 0.8, 1, List.of()),
        s -> { }, () -> false);
      assertEquals(8, r.completionTokens());
    }
  }

  @Test
  void typeCombinationsJlamaCannotRunAreRefusedAtLoad() throws Exception {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JlamaEngine.checkSupported(DType.I8, DType.F32, DType.I8))
      .getMessage().contains("Q8"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JlamaEngine.checkSupported(DType.Q4, DType.F32, DType.BF16))
      .getMessage().contains("working_qtype"));
    JlamaEngine.checkSupported(DType.Q4, DType.F32, DType.I8);
    JlamaEngine.checkSupported(DType.Q4, DType.F32, DType.F32);
    JlamaEngine.checkSupported(DType.BF16, DType.F32, DType.I8);
    Path model = TinyLlama.write(dir.resolve("bf16-working"));
    if (JlamaEngine.nativeKernels()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JlamaEngine.load(model, DType.BF16, DType.I8, Optional.empty()));
      assertTrue(e.getMessage().contains("working_dtype BF16"), e.getMessage());
    } else {
      try (JlamaEngine bf16 = JlamaEngine.load(model, DType.BF16, DType.I8, Optional.empty())) {
        assertEquals(4, bf16.generate(bf16.encodeChat(List.of(ChatMessage.of("user", "hi"))), params(4, 0.8, 1, List.of()),
          s -> { }, () -> false).completionTokens());
      }
    }
  }

  @Test
  void aFolderWithoutAModelIsRefusedClearly(@TempDir Path empty) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> JlamaEngine.load(empty, DType.F32, DType.I8, Optional.empty()));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
  }
}
