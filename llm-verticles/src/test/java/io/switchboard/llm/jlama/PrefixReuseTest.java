package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.DType;
import io.switchboard.api.ChatMessage;
import io.switchboard.api.ConversationKey;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prefix reuse through the engine, as a voice call uses it: every turn an ordinary chat request carrying the whole
 * history. Each turn hits the cache (the previous turn's prompt and answer are reused) and streams exactly what an
 * engine without a cache streams for the same request and seed, piece by piece, also with two conversations at once.
 */
class PrefixReuseTest {

  @TempDir
  static Path dir;
  static Path q4;
  static JlamaEngine warm;
  static JlamaEngine cold;

  @BeforeAll
  static void load() throws Exception {
    q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("tiny")), DType.Q4);
    warm = JlamaEngine.load(q4, DType.F32, DType.I8, Optional.empty(), true, 64L << 20, 2);
    cold = JlamaEngine.load(q4, DType.F32, DType.I8, Optional.empty(), true, 0, 1);
  }

  @AfterAll
  static void close() {
    warm.close();
    cold.close();
  }

  private static JlamaEngine.Params params(long seed) {
    return new JlamaEngine.Params(24, 64, 0.9, 0.95, seed, List.of(), System.currentTimeMillis() + 60_000);
  }

  /** One turn on {@code engine}: the streamed pieces, and the result. */
  private static Turn turn(JlamaEngine engine, List<ChatMessage> messages, long seed) {
    List<String> pieces = new ArrayList<>();
    JlamaEngine.Result r = engine.generate(engine.encodeChat(messages), params(seed), pieces::add, () -> false,
      ConversationKey.of(messages));
    return new Turn(pieces, r, engine.encodeChat(messages).length);
  }

  private record Turn(List<String> pieces, JlamaEngine.Result result, int promptTokens) {
  }

  private static List<ChatMessage> opening(String system, String user) {
    List<ChatMessage> m = new ArrayList<>();
    m.add(ChatMessage.of("system", system));
    m.add(ChatMessage.of("user", user));
    return m;
  }

  @Test
  void tenTurnsReuseTheGrowingHistoryAndStreamWhatAColdEngineStreams() {
    assertTrue(warm.fastPass());
    String question = "first question";
    List<ChatMessage> messages = opening("you are the voice of a test; answer briefly. ".repeat(4), question);
    long hitsBefore = warm.prefixCacheStats().orElseThrow().hits();
    int previousPrompt = 0;
    int previousAnswer = 0;
    for (int t = 0; t < 10; t++) {
      Turn w = turn(warm, messages, 100 + t);
      Turn c = turn(cold, messages, 100 + t);
      assertEquals(c.pieces, w.pieces, "turn " + t + ": the same pieces as without a cache");
      assertEquals(c.result.text(), w.result.text());
      assertEquals(0, c.result.cachedTokens());
      if (t > 0) {
        // Only what is new runs: the user's words and the assistant header after them
        // (<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n, 14 tokens in this byte-level vocabulary). The
        // previous answer's last token and the template's "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        // before the user's words ran when that answer ended.
        assertEquals(question.length() + 14, w.promptTokens - w.result.cachedTokens(), "turn " + t + " ran only its new tokens");
        assertTrue(w.result.cachedTokens() >= previousPrompt + previousAnswer, "turn " + t + " reused its whole history");
      }
      previousPrompt = w.promptTokens;
      previousAnswer = w.result.completionTokens();
      messages.add(ChatMessage.of("assistant", w.result.text()));
      question = "question number " + (t + 2);
      messages.add(ChatMessage.of("user", question));
    }
    assertTrue(warm.prefixCacheStats().orElseThrow().hits() - hitsBefore >= 9);
    assertTrue(warm.cachedConversations().contains(ConversationKey.of(messages)));
  }

  @Test
  void theAnswerIsGivenBeforeTheEngineKeepsItForTheNextTurn() {
    // The caller ends its answer (the stream's end, a whole answer's reply) in done; what a next turn starts with (the
    // answer's last token and the turn boundary) runs after it, and only then is the conversation's cache entry kept.
    List<ChatMessage> messages = opening("a conversation of its own, for the order of the end. ".repeat(3), "when does it end");
    int entriesBefore = warm.prefixCacheStats().orElseThrow().entries();
    List<String> pieces = new ArrayList<>();
    JlamaEngine.Result[] told = new JlamaEngine.Result[1];
    int[] entriesWhenTold = new int[1];
    JlamaEngine.Result r = warm.generate(warm.encodeChat(messages), params(7), pieces::add, () -> false, ConversationKey.of(messages),
      done -> {
        told[0] = done;
        entriesWhenTold[0] = warm.prefixCacheStats().orElseThrow().entries();
      });
    assertSame(r, told[0], "done is given the answer generate returns");
    assertEquals(String.join("", pieces), told[0].text(), "every piece was streamed before done");
    assertEquals(entriesBefore, entriesWhenTold[0], "nothing was kept for the next turn when the answer was given");
    assertEquals(entriesBefore + 1, warm.prefixCacheStats().orElseThrow().entries(), "the conversation is kept once generate returns");
  }

  @Test
  void twoConversationsAtOnceOnOneSystemPromptEachStreamWhatAColdEngineStreams() throws Exception {
    String system = "two callers share this system prompt, which the cache holds once. ".repeat(3);
    List<List<ChatMessage>> calls = List.of(opening(system, "caller one"), opening(system, "caller two speaking"));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int t = 0; t < 3; t++) {
        List<Callable<Turn>> jobs = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
          List<ChatMessage> m = List.copyOf(calls.get(k));
          long seed = 7 * t + k;
          jobs.add(() -> turn(warm, m, seed));
        }
        List<Future<Turn>> results = pool.invokeAll(jobs);
        for (int k = 0; k < 2; k++) {
          Turn w = results.get(k).get();
          Turn c = turn(cold, calls.get(k), 7 * t + k);
          assertEquals(c.pieces, w.pieces, "turn " + t + " of call " + k);
          if (t > 0) {
            assertTrue(w.result.cachedTokens() > 0, "turn " + t + " of call " + k + " reused its history");
          }
          calls.get(k).add(ChatMessage.of("assistant", w.result.text()));
          calls.get(k).add(ChatMessage.of("user", "and then " + t));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Llama 3's template trims each message and opens the assistant turn exactly as the generation prompt did, so the
   * next turn's prompt starts with this turn's prompt and answer; a model folder with that template reuses as much.
   */
  @Test
  void aLlama3StyleTemplateKeepsTheHistoryAPrefixOfTheNextPrompt() throws Exception {
    Path folder = TinyLlama.write(dir.resolve("llama3-template"));
    String template = "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
      + " + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}"
      + "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";
    Path config = folder.resolve("tokenizer_config.json");
    Files.writeString(config, new JsonObject(Files.readString(config)).put("chat_template", template).encodePrettily());
    Path quantized = JlamaModels.quantize(folder, DType.Q4);
    try (JlamaEngine w = JlamaEngine.load(quantized, DType.F32, DType.I8, Optional.empty(), true, 64L << 20, 1);
         JlamaEngine c = JlamaEngine.load(quantized, DType.F32, DType.I8, Optional.empty(), true, 0, 1)) {
      List<ChatMessage> messages = opening("be brief", "hello");
      Turn first = turn(w, messages, 3);
      messages.add(ChatMessage.of("assistant", first.result.text()));
      messages.add(ChatMessage.of("user", "and again"));
      Turn second = turn(w, messages, 4);
      assertTrue(second.result.cachedTokens() >= first.promptTokens, "reused " + second.result.cachedTokens() + " tokens; turn 1's prompt had "
        + first.promptTokens);
      assertEquals(turn(c, messages, 4).pieces, second.pieces, "the same pieces as without a cache");
    }
  }
}
