package io.switchboard.bench.llm;

import io.switchboard.api.EmbeddingRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.EmbeddingBackend;
import io.switchboard.llm.embed.OnnxEmbeddingProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Embeddings per second of the {@code onnx-embeddings} backend (all-MiniLM-L6-v2 on ONNX Runtime) at batch 1 (one
 * input per request, requests one after another) and batch 32, on sentences of 10-25 words. Run by hand; arguments:
 * {@code [threads=0 (ONNX Runtime's default)] [seconds per measurement=10] [spin=false]}.
 */
public final class EmbeddingBench {

  private static final String[] WORDS = ("the a local model answers questions about trains stations weather music rivers "
    + "markets cloud servers requests budgets privacy routing fallback latency tokens embeddings of in on with for from "
    + "quickly slowly every morning city people office data network").split(" ");

  private EmbeddingBench() {
  }

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    boolean spin = args.length > 2 && Boolean.parseBoolean(args[2]);
    List<String> sentences = sentences(512);
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject conf = new JsonObject().put("id", "bench-embed").put("type", "onnx-embeddings").put("threads", threads)
        .put("spin", spin).put("concurrency", 1).put("batch_size", 32);
      EmbeddingBackend backend = (EmbeddingBackend) new OnnxEmbeddingProvider().create(vertx, new BackendConfig(conf, Map.of()));
      await(backend.start());
      System.out.printf(Locale.ROOT, "all-minilm-l6-v2, ONNX Runtime threads %s, spin %s%n", threads == 0 ? "default" : threads, spin);
      run(backend, sentences, 1, 3, false);
      run(backend, sentences, 32, 3, false);
      run(backend, sentences, 1, seconds, true);
      run(backend, sentences, 32, seconds, true);
      await(backend.stop());
    } finally {
      await(vertx.close());
    }
  }

  private static void run(EmbeddingBackend backend, List<String> sentences, int batch, double seconds, boolean print) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long t0 = System.nanoTime();
    long embedded = 0;
    long tokens = 0;
    int at = 0;
    while (System.nanoTime() < end) {
      JsonArray input = new JsonArray();
      for (int i = 0; i < batch; i++) {
        input.add(sentences.get(at++ % sentences.size()));
      }
      EmbeddingRequest req = EmbeddingRequest.fromJson(new JsonObject().put("model", "all-minilm-l6-v2").put("input", input));
      JsonObject r = await(backend.embed(req, new CallContext("bench", null, Long.MAX_VALUE)));
      embedded += batch;
      tokens += r.getJsonObject("usage").getLong("prompt_tokens");
    }
    double s = (System.nanoTime() - t0) / 1e9;
    if (print) {
      System.out.printf(Locale.ROOT, "batch %2d: %.1f embeddings/s (%.1f ms per request, %.1f word pieces per input)%n",
        batch, embedded / s, 1000 * s / (embedded / (double) batch), tokens / (double) embedded);
    }
  }

  private static List<String> sentences(int n) {
    SplittableRandom random = new SplittableRandom(7);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 10 + random.nextInt(16);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < len; w++) {
        sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
      }
      out.add(sb.append('.').toString());
    }
    return out;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }
}
