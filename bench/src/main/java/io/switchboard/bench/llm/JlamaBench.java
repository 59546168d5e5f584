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

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Local generation speed of the {@code jlama} backend, end to end over the event bus, on a random model of
 * Llama-3.2-1B's shape with Q4 weights, compared with what memory bandwidth allows: generating a token reads every
 * weight once, so tokens/s can be at most bandwidth ÷ bytes of weights. Also the time to first token of a 500-token
 * prompt. Run by hand (see the report for the command); arguments: {@code [workDir=/tmp/switchboard-bench]
 * [tokens=64] [promptTokens=500]}; {@code -Dswitchboard.bench.q4_kernel=jlama} runs Jlama's own kernels and forward pass
 * instead of the vector kernel (the backend's {@code q4_kernel}). Bandwidth is measured at the start and again right
 * before and right after the generation; the share is reported against the highest reading (the strictest limit).
 */
public final class JlamaBench {

  private JlamaBench() {
  }

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "/tmp/switchboard-bench");
    int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int promptTokens = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    RandomLlama.Shape shape = RandomLlama.Shape.LLAMA_3_2_1B;

    MemoryBandwidth memory = new MemoryBandwidth(2, 1L << 30);
    double bandwidth = memory.best(5);
    System.out.printf(Locale.ROOT, "memory read bandwidth (2 threads, 2 GiB, best of 5): %.2f GB/s%n", bandwidth / 1e9);

    long t0 = System.nanoTime();
    Path model = RandomLlama.write(work.resolve("llama-3.2-1b-shape-q4"), shape);
    System.out.printf(Locale.ROOT, "model %s ready in %.1f s%n", model, (System.nanoTime() - t0) / 1e9);
    long perToken = RandomLlama.bytesPerToken(shape);
    double limit = bandwidth / perToken;
    System.out.printf(Locale.ROOT, "weights read per token: %.1f MB -> bandwidth limit %.2f tokens/s%n", perToken / 1e6, limit);

    Vertx vertx = Vertx.vertx();
    try {
      String kernel = System.getProperty("switchboard.bench.q4_kernel", "vector");
      JsonObject conf = new JsonObject().put("id", "bench-llm").put("type", "jlama").put("model_path", model.toString())
        .put("working_dtype", "F32").put("working_qtype", "I8").put("q4_kernel", kernel);
      Backend backend = new JlamaProvider().create(vertx, new BackendConfig(conf, Map.of()));
      long l0 = System.nanoTime();
      await(vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions()));
      System.out.printf(Locale.ROOT, "loaded in %.1f s%n", (System.nanoTime() - l0) / 1e9);

      System.out.println("q4_kernel: " + kernel + "; jlama kernels: " + TensorOperationsProvider.get().name());
      // The Vector API and the FFM calls need C2-compiled code: warm up both the one-token and the batched paths.
      stream(vertx, request("warm up " + "abcdfgjklmopqrsuvwxyz".repeat(4), 48));
      // Bandwidth again right before and after: the share is taken against the highest of the three readings.
      double before = memory.best(5);
      Run gen = stream(vertx, request("Say something.", tokens));
      double after = memory.best(5);
      double highest = Math.max(bandwidth, Math.max(before, after));
      double strictLimit = highest / perToken;
      double rate = (gen.completionTokens - 1) / ((gen.endNs - gen.firstNs) / 1e9);
      System.out.printf(Locale.ROOT, "memory read bandwidth right before / after the generation: %.2f / %.2f GB/s; highest of three %.2f GB/s"
        + " -> limit %.2f tokens/s%n", before / 1e9, after / 1e9, highest / 1e9, strictLimit);
      System.out.printf(Locale.ROOT, "generation: %d tokens, %.2f tokens/s after the first (%.1f ms/token) = %.0f%% of the bandwidth limit"
        + " (%.0f%% of the limit from the first reading)%n", gen.completionTokens, rate, 1000 / rate, 100 * rate / strictLimit, 100 * rate / limit);

      int overhead = stream(vertx, request("", 1)).promptTokens;
      String content = "abcdfgjklmopqrsuvwxyz0123456789".repeat(40).substring(0, promptTokens - overhead);
      Run ttft = stream(vertx, request(content, 2));
      System.out.printf(Locale.ROOT, "time to first token, %d-token prompt: %.2f s (prefill %.0f tokens/s)%n",
        ttft.promptTokens, (ttft.firstNs - ttft.startNs) / 1e9, ttft.promptTokens / ((ttft.firstNs - ttft.startNs) / 1e9));
    } finally {
      await(vertx.close());
    }
  }

  private static JsonObject request(String user, int maxTokens) {
    return new JsonObject().put("model", "bench").put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", user)))
      .put("max_tokens", maxTokens).put("temperature", 0).put("stream", true);
  }

  private record Run(long startNs, long firstNs, long endNs, int promptTokens, int completionTokens) {
  }

  private static Run stream(Vertx vertx, JsonObject body) throws Exception {
    long start = System.nanoTime();
    Message<Object> msg = await(vertx.eventBus().request(Addresses.backend("bench-llm"), body,
      BackendVerticle.requestOptions(Headers.OP_CHAT, "bench", null, System.currentTimeMillis() + 3_600_000)));
    long first = System.nanoTime();
    while (!BusStreams.isEnd(msg)) {
      msg = await(BusStreams.next(msg, 600_000));
    }
    long end = System.nanoTime();
    JsonObject usage = ((JsonObject) msg.body()).getJsonObject(StreamProtocol.USAGE);
    return new Run(start, first, end, usage.getInteger("prompt_tokens"), usage.getInteger("completion_tokens"));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(1, TimeUnit.HOURS);
  }
}
