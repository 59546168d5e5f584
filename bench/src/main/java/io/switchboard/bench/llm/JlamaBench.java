package io.switchboard.bench.llm;

import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.llm.jlama.JlamaProvider;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code jlama} backend end to end over the event bus (a {@link BackendVerticle}, as in a node), on a random model
 * of Llama-3.2-1B's shape with Q4 weights ({@link RandomLlama}). Run by {@code bench/jlama.sh}; arguments
 * {@code [workDir=/tmp/switchboard-bench] [label=default] [parts=generation,cold,conversation] [conf={}]}: {@code conf}
 * is JSON merged over the backend entry {@code ./mesh run} uses ({@code conf/switchboard.yaml}'s {@code local-llama}).
 * Parts:
 * <ul>
 *   <li>{@code generation}: 64 tokens after a short prompt, tokens/s against the memory-bandwidth limit (generating a
 *   token reads every weight once, so tokens/s is at most bandwidth / weight bytes), bandwidth measured at the start
 *   and right before and after, the share taken against the highest reading;</li>
 *   <li>{@code cold}: time to first token of a 500- and a 2,000-token prompt that no earlier request started like;</li>
 *   <li>{@code conversation}: ten turns of a conversation as a voice call sends them, each an ordinary chat request
 *   with the growing history: a 500-token system prompt, 30 new user tokens and 40 generated tokens per turn; time
 *   to first token of each turn.</li>
 * </ul>
 * {@code -Dswitchboard.bench.cold=500,2000} sets the cold prompt lengths; {@code -Dswitchboard.bench.generations=1} how
 * many times the generation part runs in this JVM (several: whether a slow run is slow throughout its JVM or for a moment); {@code -Dswitchboard.bench.pauseMs=1000} the
 * pause before each request (0: back to back, so a request may wait for the engine to finish the one before).
 * Generation and cold prefill on an idle engine, as the time a turn of a call waits. Each result is a line on stdout and a JSON line appended to {@code bench/results/jlama-<date>.jsonl} (the file named
 * by {@code -Dswitchboard.bench.out}).
 */
public record JlamaBench(Vertx vertx, String label, Path out) {

  private static final String ID = "bench-llm";
  /** The pause before each request ({@code -Dswitchboard.bench.pauseMs}, 1,000 ms; see {@link #run}). */
  private static final long PAUSE_MS = Long.getLong("switchboard.bench.pauseMs", 1000);

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "/tmp/switchboard-bench");
    String label = args.length > 1 ? args[1] : "default";
    List<String> parts = List.of((args.length > 2 ? args[2] : "generation,cold,conversation").split(","));
    JsonObject extra = new JsonObject(args.length > 3 ? args[3] : "{}");
    Path out = Path.of(System.getProperty("switchboard.bench.out", "bench/results/jlama.jsonl"));
    RandomLlama.Shape shape = RandomLlama.Shape.LLAMA_3_2_1B;

    MemoryBandwidth memory = new MemoryBandwidth(2, 1L << 30);
    double bandwidth = memory.best(5);
    long t0 = System.nanoTime();
    Path model = RandomLlama.write(work.resolve("llama-3.2-1b-shape-q4-ascii"), shape);
    long perToken = RandomLlama.bytesPerToken(shape);
    System.out.printf(Locale.ROOT, "[%s] model %s ready in %.1f s; %.1f MB of weights read per token; memory read bandwidth %.2f GB/s (2 threads, best of 5)%n",
      label, model, (System.nanoTime() - t0) / 1e9, perToken / 1e6, bandwidth / 1e9);

    Vertx vertx = Vertx.vertx();
    try {
      // The local-llama entry of conf/switchboard.yaml (what ./mesh run starts), on this model.
      JsonObject conf = new JsonObject().put("id", ID).put("type", "jlama").put("model_path", model.toString())
        .put("working_dtype", "F32").put("working_qtype", "I8").put("concurrency", 1).put("max_queue", 8).put("default_max_tokens", 512)
        .mergeIn(extra);
      Backend backend = new JlamaProvider().create(vertx, new BackendConfig(conf, Map.of()));
      long l0 = System.nanoTime();
      await(vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions()));
      System.out.printf(Locale.ROOT, "[%s] loaded in %.1f s; conf %s; Jlama's operations: %s%n", label, (System.nanoTime() - l0) / 1e9,
        extra.encode(), TensorOperationsProvider.get().name());
      JlamaBench bench = new JlamaBench(vertx, label, out);
      bench.warmUp();
      if (parts.contains("generation")) {
        for (int i = 0; i < Integer.getInteger("switchboard.bench.generations", 1); i++) {
          bench.generation(memory, bandwidth, perToken);
        }
      }
      if (parts.contains("cold")) {
        for (String n : System.getProperty("switchboard.bench.cold", "500,2000").split(",")) {
          bench.cold(Integer.parseInt(n.trim()));
        }
      }
      if (parts.contains("conversation")) {
        bench.conversation();
      }
    } finally {
      await(vertx.close());
    }
  }

  /** The JIT compiles the Vector API code of both the block and the one-token paths before anything is measured. */
  private void warmUp() throws Exception {
    for (int i = 0; i < 3; i++) {
      stream(user("warm up " + i + " " + text(150 + 40 * i, i)), 24, false);
    }
  }

  private void generation(MemoryBandwidth memory, double first, long perToken) throws Exception {
    double before = memory.best(5);
    Run gen = stream(user("Say something."), 64, false);
    double after = memory.best(5);
    double highest = Math.max(first, Math.max(before, after));
    double limit = highest / perToken;
    // From the first token's message to the last token's: the answer's end comes later, after the backend has run the
    // turn boundary a follow-up would start with (JlamaEngine), which is not generation.
    double rate = (gen.completionTokens - 1) / ((gen.lastTextNs - gen.firstNs) / 1e9);
    double tail = (gen.endNs - gen.lastTextNs) / 1e6;
    // ms a token in each quarter of the answer: a slow run slow throughout (the code, the placement of its memory) or
    // in bursts (a neighbour taking a core for a while).
    JsonArray quarters = new JsonArray();
    int n = gen.textNs.size();
    for (int q = 0; q < 4 && n > 4; q++) {
      int from = q * (n - 1) / 4;
      int to = (q + 1) * (n - 1) / 4;
      quarters.add(Math.round((gen.textNs.get(to) - gen.textNs.get(from)) / 1e4 / (to - from)) / 100.0);
    }
    System.out.printf(Locale.ROOT, "[%s] generation: %d tokens, %.2f tokens/s after the first (%.1f ms/token; by quarter %s), end %.1f ms after the last token;"
        + " bandwidth %.2f / %.2f / %.2f GB/s (start / before / after) -> limit %.2f tokens/s from the highest: %.0f%% of it%n", label,
      gen.completionTokens, rate, 1000 / rate, quarters.encode(), tail, first / 1e9, before / 1e9, after / 1e9, limit, 100 * rate / limit);
    record(new JsonObject().put("part", "generation").put("tokens", gen.completionTokens).put("tokens_per_s", rate).put("end_after_last_token_ms", tail)
      .put("ms_per_token_by_quarter", quarters)
      .put("bandwidth_gb_s", new JsonArray().add(first / 1e9).add(before / 1e9).add(after / 1e9)).put("limit_tokens_per_s", limit)
      .put("share_of_limit", rate / limit));
  }

  private void cold(int promptTokens) throws Exception {
    int overhead = stream(user(""), 1, false).promptTokens;
    // Content no earlier request started with (beyond the chat template's few header tokens).
    Run r = stream(user(text(promptTokens - overhead, 1000 + promptTokens)), 2, false);
    double ttft = (r.firstNs - r.startNs) / 1e9;
    System.out.printf(Locale.ROOT, "[%s] cold time to first token, %d-token prompt: %.2f s (prefill %.1f tokens/s; %d tokens from the cache)%n",
      label, r.promptTokens, ttft, (r.promptTokens - r.cachedTokens) / ttft, r.cachedTokens);
    record(new JsonObject().put("part", "cold").put("prompt_tokens", r.promptTokens).put("ttft_s", ttft)
      .put("prefill_tokens_per_s", (r.promptTokens - r.cachedTokens) / ttft).put("cached_tokens", r.cachedTokens));
  }

  /** Ten turns: a 500-token system prompt, then per turn 30 new user tokens and 40 generated, the history resent each time. */
  private void conversation() throws Exception {
    JsonArray messages = new JsonArray();
    int overhead = stream(user(""), 1, false).promptTokens;
    messages.add(message("system", text(500 - overhead, 7)));
    List<Double> ttfts = new ArrayList<>();
    for (int turn = 1; turn <= 10; turn++) {
      messages.add(message("user", text(30, 100 + turn)));
      JsonObject body = new JsonObject().put("model", "bench").put("messages", messages.copy()).put("max_tokens", 40).put("temperature", 0)
        .put("stream", true);
      Run r = run(body, true);
      double ttft = (r.firstNs - r.startNs) / 1e9;
      ttfts.add(ttft);
      double tail = (r.endNs - r.lastTextNs) / 1e6;
      System.out.printf(Locale.ROOT, "[%s] conversation turn %2d: time to first token %.3f s; prompt %d tokens, %d from the cache, %d generated;"
        + " end %.1f ms after the last token%n", label, turn, ttft, r.promptTokens, r.cachedTokens, r.completionTokens, tail);
      record(new JsonObject().put("part", "conversation").put("turn", turn).put("ttft_s", ttft).put("prompt_tokens", r.promptTokens)
        .put("cached_tokens", r.cachedTokens).put("completion_tokens", r.completionTokens).put("end_after_last_token_ms", tail));
      messages.add(message("assistant", r.text));
    }
    double followUps = ttfts.subList(1, ttfts.size()).stream().mapToDouble(Double::doubleValue).max().orElse(0);
    System.out.printf(Locale.ROOT, "[%s] conversation: first turn %.3f s, slowest follow-up %.3f s (each request %d ms after the last one ended)%n",
      label, ttfts.get(0), followUps, PAUSE_MS);
  }

  private void record(JsonObject result) throws IOException {
    result.put("label", label).put("pause_ms", PAUSE_MS).put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, result.encode() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** {@code n} printable characters (one token each in the model's byte-level vocabulary), different for each {@code seed}. */
  private static String text(int n, int seed) {
    StringBuilder sb = new StringBuilder(n);
    long x = 0x9E3779B97F4A7C15L * (seed + 1);
    while (sb.length() < n) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      int c = (int) Math.floorMod(x, 27);
      sb.append(c == 26 ? ' ' : (char) ('a' + c));
    }
    return sb.toString();
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject user(String content) {
    return new JsonObject().put("model", "bench").put("messages", new JsonArray().add(message("user", content)));
  }

  /** {@code textNs}: when each chunk with text arrived (the chunks of one message at once). */
  private record Run(long startNs, long firstNs, long lastTextNs, long endNs, int promptTokens, int completionTokens, int cachedTokens, String text,
                     List<Long> textNs) {
  }

  private Run stream(JsonObject body, int maxTokens, boolean keepText) throws Exception {
    return run(body.copy().put("max_tokens", maxTokens).put("temperature", 0).put("stream", true), keepText);
  }

  private Run run(JsonObject body, boolean keepText) throws Exception {
    // The engine keeps what a next turn starts with after an answer has ended (JlamaEngine.generate): a request sent at
    // once would wait for that. A call's next turn comes seconds later (the answer is spoken, the caller speaks), so
    // each request here waits PAUSE_MS first; 0 sends back to back, as an agent with no pause would.
    Thread.sleep(PAUSE_MS);
    long start = System.nanoTime();
    Message<Object> msg = await(vertx.eventBus().request(Addresses.backend(ID), body,
      BackendVerticle.requestOptions(Headers.OP_CHAT, "bench", null, System.currentTimeMillis() + 3_600_000)));
    long first = System.nanoTime();
    long lastText = first;
    StringBuilder text = new StringBuilder();
    List<Long> textNs = new ArrayList<>();
    while (true) {
      for (Object c : ((JsonObject) msg.body()).getJsonArray(StreamProtocol.CHUNKS, new JsonArray())) {
        String piece = ((JsonObject) c).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
        if (piece != null && !piece.isEmpty()) {
          lastText = System.nanoTime();
          textNs.add(lastText);
          if (keepText) {
            text.append(piece);
          }
        }
      }
      if (BusStreams.isEnd(msg)) {
        break;
      }
      msg = await(BusStreams.next(msg, 600_000));
    }
    long end = System.nanoTime();
    JsonObject usage = ((JsonObject) msg.body()).getJsonObject(StreamProtocol.USAGE);
    JsonObject details = usage.getJsonObject("prompt_tokens_details");
    return new Run(start, first, lastText, end, usage.getInteger("prompt_tokens"), usage.getInteger("completion_tokens"),
      details == null ? 0 : details.getInteger("cached_tokens", 0), text.toString(), textNs);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(1, TimeUnit.HOURS);
  }
}
