package io.switchboard.bench.cid;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.bench.audio.Args;
import io.switchboard.bench.audio.UploadMemory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What an exact-cache hit adds through HTTP: the same request sent, one at a time over one keep-alive connection, to a
 * node that answers it from its cache and to a plain Vert.x server in this JVM that answers the same bytes at once (the
 * "direct static answer"), alternated request by request so both see the same machine. Two requests: an embeddings
 * request (small JSON) and a transcription of a 30 s WAV (a 960 KB multipart upload, hashed as it arrives; the static
 * server reads the whole upload too). The node is started as {@code ./mesh run} starts it (conf/switchboard.yaml, the
 * usage ledger on with {@code usage.durability: process}, metrics on: {@code --variant default}), or with
 * {@code durability: none} ({@code nodurable}: answers do not wait for their usage record) or the ledger off
 * ({@code noledger}); one variant per JVM (bench/cid.sh runs all three).
 * A mock upstream on loopback answers the first (missing) request of each; every measured request is a hit.
 *
 * <p>The warm-up is {@code --warmup} rounds, then more rounds of that many until the JIT compilers are quiet (their
 * time under 2 % of a batch's wall clock) or {@code --warmup-s} seconds have passed: on two cores a compiler thread
 * still busy with the node's code took one core from the measured rounds (in a run with 1,000 rounds of warm-up the
 * compilers worked ~1 s a second through the measurement), which a node running for hours does not pay. The JIT's time
 * during the measured rounds is printed beside the figures ({@code jit_ms}).
 *
 * <p>Beside the times, each row gives a hit's CPU (the process's, and its Java threads') and, in {@code hit_by_thread},
 * its CPU and wake-ups by thread group ({@link TaskCounters}): the node's event loops, its hashing lane, the ledger's
 * threads, the collector, the JIT, the bench's own client (the rounds with hits less as many static answers alone).
 *
 * <p>Usage: {@code CacheHttpBench [--variant default] [--requests 3000] [--warmup 1000] [--warmup-s 30] [--port 18580]
 * [--only embeddings,transcription] [--usage JSON]} (the requests measured, in that order; JSON merged into the variant's
 * {@code usage:} slice, e.g. {@code {"ship_stage_ms":0}}). "measuring: R" and "measured: R" go to
 * stderr around the measured rounds (for a profiler attached to them).
 */
public final class CacheHttpBench {

  private CacheHttpBench() {
  }

  record Variant(String name, JsonObject usage) {
  }

  public static void main(String[] args) throws Exception {
    int requests = Integer.parseInt(Args.get(args, "--requests", "3000"));
    int warmup = Integer.parseInt(Args.get(args, "--warmup", "1000"));
    long warmupMs = 1000L * Integer.parseInt(Args.get(args, "--warmup-s", "30"));
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    int port = Integer.parseInt(Args.get(args, "--port", "18580"));
    Path work = Files.createTempDirectory("cache-http-bench");
    Vertx bench = Vertx.vertx();
    Buffer wav = UploadMemory.wav(44 + 30 * 32_000); // 30 s at 16 kHz, 16-bit mono
    int mockPort = port + 1;
    int staticPort = port + 2;
    HttpServer mock = mockUpstream(bench, mockPort);
    Map<String, Buffer> staticAnswers = new HashMap<>();
    HttpServer direct = staticServer(bench, staticPort, staticAnswers);
    HttpClient client = bench.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
      new PoolOptions().setHttp1MaxSize(1));
    Variant v = switch (Args.get(args, "--variant", "default")) {
      case "default" -> new Variant("./mesh run defaults (ledger on, durability: process, metrics)", new JsonObject());
      case "nodurable" -> new Variant("ledger on, durability: none", new JsonObject().put("durability", "none"));
      case "noledger" -> new Variant("ledger off", new JsonObject().put("enabled", false));
      default -> throw new IllegalArgumentException("--variant default|nodurable|noledger");
    };
    String usage = Args.get(args, "--usage", null);
    if (usage != null) {
      v = new Variant(v.name() + ", usage " + usage, v.usage().copy().mergeIn(new JsonObject(usage)));
    }
    try {
      {
        Path conf = work.resolve(UUID.randomUUID() + ".yaml");
        Files.writeString(conf, conf(port, mockPort, work, v.usage()).encodePrettily());
        NodeOptions options = new NodeOptions("all", Set.of("bench-embed", "bench-asr"), false, Path.of("conf"), conf,
          Map.of("BENCH_KEY", "bench-key"), true);
        MeshNode.Started node = MeshNode.start(options).await(120, TimeUnit.SECONDS);
        try {
          Context loop = bench.getOrCreateContext();
          onContext(loop, () -> awaitLive(bench, client, port, System.currentTimeMillis() + 60_000)).await(90, TimeUnit.SECONDS);
          for (String what : Args.get(args, "--only", "embeddings,transcription").split(",")) {
            Request r = what.equals("embeddings") ? embeddings() : transcription(wav);
            Buffer first = onContext(loop, () -> send(client, port, r, false)).await(30, TimeUnit.SECONDS);
            staticAnswers.put(r.path(), first);
            Histogram mesh = new Histogram(60_000_000_000L, 3);
            Histogram plain = new Histogram(60_000_000_000L, 3);
            // The whole loop on one context: a request started from this (non-Vert.x) thread is sometimes never written.
            long warmEnd = System.currentTimeMillis() + warmupMs;
            int warmRounds = 0;
            while (true) {
              long jit0 = jit.getTotalCompilationTime();
              long t0 = System.currentTimeMillis();
              onContext(loop, () -> measure(client, r, staticPort, port, warmup, 0, plain, mesh, new long[6], new ArrayList<>(List.of(Map.of(), Map.of()))))
                .await(60L * warmup + 60_000, TimeUnit.MILLISECONDS);
              warmRounds += warmup;
              long wall = System.currentTimeMillis() - t0;
              if (jit.getTotalCompilationTime() - jit0 < wall / 50 || System.currentTimeMillis() > warmEnd) {
                break;
              }
            }
            long[] cpu = new long[6];
            List<Map<String, TaskCounters.Count>> tasks = new ArrayList<>(List.of(Map.of(), Map.of()));
            long jitBefore = jit.getTotalCompilationTime();
            System.err.println("measuring: " + what);
            onContext(loop, () -> measure(client, r, staticPort, port, 0, requests, plain, mesh, cpu, tasks))
              .await(60L * requests + 60_000, TimeUnit.MILLISECONDS);
            System.err.println("measured: " + what);
            long jitMs = jit.getTotalCompilationTime() - jitBefore;
            // The same number of static answers alone: what of a round's CPU is the hit's.
            onContext(loop, () -> measure(client, r, staticPort, -1, 0, requests, new Histogram(3), new Histogram(3), cpu, tasks))
              .await(60L * requests + 60_000, TimeUnit.MILLISECONDS);
            System.out.println(new JsonObject().put("bench", "cache-http").put("variant", v.name()).put("request", what)
              .put("requests", requests).put("warmup_rounds", warmRounds).put("jit_ms", jitMs)
              .put("static_us", us(plain)).put("hit_us", us(mesh))
              .put("added_p50_us", (mesh.getValueAtPercentile(50) - plain.getValueAtPercentile(50)) / 1000d)
              .put("added_p99_us", (mesh.getValueAtPercentile(99) - plain.getValueAtPercentile(99)) / 1000d)
              .put("hit_cpu_us", (cpu[0] - cpu[1]) / 1000d / requests)
              .put("static_cpu_us", cpu[1] / 1000d / requests)
              .put("hit_threads_cpu_us", (cpu[2] - cpu[3]) / 1000d / requests)
              .put("static_threads_cpu_us", cpu[3] / 1000d / requests)
              .put("rounds_ms", (cpu[4] - cpu[5]) / 1_000_000)
              .put("hit_by_thread", perHit(TaskCounters.grouped(tasks.get(0)), TaskCounters.grouped(tasks.get(1)), requests))
              .put("hit_by_task", perHit(tasks.get(0), tasks.get(1), requests, 2))
              .put("load_average", Files.readString(Path.of("/proc/loadavg")).trim()).encode());
          }
        } finally {
          node.vertx().close().await(60, TimeUnit.SECONDS);
        }
      }
    } finally {
      mock.close();
      direct.close();
      bench.close().await(30, TimeUnit.SECONDS);
    }
  }

  record Request(String path, String contentType, Buffer body) {
  }

  private static Request embeddings() {
    return new Request("/v1/embeddings", "application/json",
      new JsonObject().put("model", "bench-embed").put("input", "the same sentence, embedded again").toBuffer());
  }

  private static Request transcription(Buffer wav) {
    String boundary = "----bench" + UUID.randomUUID().toString().replace("-", "");
    Buffer body = Buffer.buffer()
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n")
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"call.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n")
      .appendBuffer(wav).appendString("\r\n--" + boundary + "--\r\n");
    return new Request("/v1/audio/transcriptions", "multipart/form-data; boundary=" + boundary, body);
  }

  /**
   * {@code warmup + requests} rounds, one after the other, each the static server's answer then the node's hit, timed
   * on the event loop from the request's start to its body's end; rounds after the warm-up are recorded. Runs on the
   * calling context: the Vert.x 5.0.8 HttpClient, called from a non-Vert.x thread with a pool of one connection, now and
   * then never writes a request (the bench hung at its 30 s bound: the server had received n requests, the connection
   * sat idle, every event loop waited in epoll), as the test kit's {@code OnContext} records for tests.
   *
   * <p>The process's CPU time over the recorded rounds goes in {@code cpu[0]} (this JVM holds the client, the static
   * server and the node: every thread's CPU on both sides of the loopback); with {@code port} -1 (static answers alone)
   * in {@code cpu[1]}. A count that the machine's load moves much less than the wall clock. The same for the Java
   * threads alone (without the JIT and the collector) in {@code cpu[2]} and {@code cpu[3]}, the rounds' wall clock in
   * {@code cpu[4]} and {@code cpu[5]} (a thread's work that comes with time, not with requests, is then told apart from
   * a hit's: per hit it grows with the round's length); the CPU and wake-ups by
   * thread group ({@link TaskCounters}) in {@code tasks[0]} and {@code tasks[1]}.
   */
  private static Future<Void> measure(HttpClient client, Request r, int staticPort, int port, int warmup, int requests,
                                      Histogram plain, Histogram mesh, long[] cpu, List<Map<String, TaskCounters.Count>> tasks) {
    com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    int slot = port < 0 ? 1 : 0;
    benchThread();
    Future<Void> rounds = Future.succeededFuture();
    for (int i = 0; i < warmup + requests; i++) {
      boolean record = i >= warmup;
      boolean first = i == warmup;
      // Chained lazily: each round starts once the one before has ended.
      rounds = rounds.compose(v -> {
        if (first) {
          cpu[slot] = -os.getProcessCpuTime();
          cpu[2 + slot] = -javaThreadsCpu();
          cpu[4 + slot] = -System.nanoTime();
          tasks.set(slot, TaskCounters.tasks());
        }
        long t0 = System.nanoTime();
        return send(client, staticPort, r, false).compose(b -> {
          long t1 = System.nanoTime();
          if (port < 0) {
            return Future.succeededFuture(null);
          }
          return send(client, port, r, true).map(b2 -> {
            if (record) {
              plain.recordValue(t1 - t0);
              mesh.recordValue(System.nanoTime() - t1);
            }
            return null;
          });
        });
      });
    }
    return rounds.onSuccess(v -> {
      cpu[slot] += os.getProcessCpuTime();
      cpu[2 + slot] += javaThreadsCpu();
      cpu[4 + slot] += System.nanoTime();
      tasks.set(slot, TaskCounters.since(tasks.get(slot), TaskCounters.tasks()));
    });
  }

  /**
   * The CPU time of this JVM's Java threads (event loops, workers, the ledger's): the process's less the JIT
   * compilers and the collector, which the machine's load makes come and go between runs.
   */
  private static long javaThreadsCpu() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      sum += Math.max(0, threads.getThreadCpuTime(id));
    }
    return sum;
  }

  /**
   * What a hit cost by thread group: the rounds with hits less as many static answers alone, per hit: CPU µs and
   * wake-ups (voluntary context switches: the thread slept and something woke it).
   */
  private static JsonObject perHit(Map<String, TaskCounters.Count> withHits, Map<String, TaskCounters.Count> staticOnly,
                                   int requests) {
    return perHit(withHits, staticOnly, requests, Double.NEGATIVE_INFINITY);
  }

  /** {@link #perHit} by thread, leaving out those under {@code minUs} of CPU a hit either way. */
  private static JsonObject perHit(Map<String, TaskCounters.Count> withHits, Map<String, TaskCounters.Count> staticOnly,
                                   int requests, double minUs) {
    JsonObject out = new JsonObject();
    TaskCounters.since(staticOnly, withHits).entrySet().stream()
      .filter(e -> Math.abs(e.getValue().cpuNs() / 1000d / requests) >= minUs)
      .forEach(e -> out.put(e.getKey(), new JsonObject()
      .put("cpu_us", Math.round(e.getValue().cpuNs() / 100d / requests) / 10d)
      .put("wakeups", Math.round(e.getValue().wakeups() * 10d / requests) / 10d)));
    return out;
  }

  /**
   * Names the calling thread {@code bench-...} (once): the kernel then shows the bench's event loops apart from the
   * node's, whose threads have the same Vert.x names ({@link TaskCounters#group}).
   */
  private static void benchThread() {
    Thread t = Thread.currentThread();
    if (!t.getName().startsWith("bench-")) {
      t.setName("bench-" + t.getName().replace("vert.x-", ""));
    }
  }

  /** Runs {@code call} on {@code context}; completes with its result. */
  private static <T> Future<T> onContext(Context context, java.util.function.Supplier<Future<T>> call) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        call.get().onComplete(done);
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future();
  }

  /** Sends {@code r}; with {@code hit}, fails unless the node answered it from its cache. */
  private static Future<Buffer> send(HttpClient client, int port, Request r, boolean hit) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(r.path())
        .putHeader("content-type", r.contentType()))
      .compose(req -> req.send(r.body()))
      .compose(res -> res.body().map(b -> {
        if (res.statusCode() != 200) {
          throw new IllegalStateException(r.path() + " answered " + res.statusCode() + ": " + b);
        }
        if (hit && !"hit".equals(res.getHeader("x-switchboard-cache"))) {
          throw new IllegalStateException(r.path() + ": not a cache hit (" + res.getHeader("x-switchboard-cache") + ")");
        }
        return b;
      }));
  }

  /** Polls the node's readiness (a node started in this process: no event to wait on) until both backends are live. */
  private static Future<Void> awaitLive(Vertx vertx, HttpClient client, int port, long until) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", "/health/ready").compose(req -> req.send())
      .compose(res -> res.body()).map(Buffer::toJsonObject).otherwise(new JsonObject())
      .compose(ready -> {
        if (ready.getInteger("live_backends", 0) >= 2) {
          return Future.succeededFuture();
        }
        if (System.currentTimeMillis() > until) {
          return Future.failedFuture(new IllegalStateException("the node did not get its two backends live"));
        }
        return vertx.timer(100).compose(t -> awaitLive(vertx, client, port, until));
      });
  }

  private static JsonObject us(Histogram h) {
    return new JsonObject().put("p50", h.getValueAtPercentile(50) / 1000d).put("p90", h.getValueAtPercentile(90) / 1000d)
      .put("p99", h.getValueAtPercentile(99) / 1000d);
  }

  private static JsonObject conf(int port, int mockPort, Path work, JsonObject usage) {
    String base = "http://127.0.0.1:" + mockPort + "/v1";
    return new JsonObject()
      .put("http", new JsonObject().put("port", port).put("host", "127.0.0.1"))
      .put("usage", usage.copy().put("data_dir", work.resolve("usage-" + UUID.randomUUID()).toString()))
      .put("backends", new JsonArray()
        .add(new JsonObject().put("id", "bench-embed").put("type", "openai-compatible").put("base_url", base)
          .put("api_key_env", "BENCH_KEY").put("capabilities", new JsonArray().add("embed")).put("privacy", "cloud")
          .put("models", new JsonArray().add("bench-embed")))
        .add(new JsonObject().put("id", "bench-asr").put("type", "openai-transcription").put("base_url", base)
          .put("api_key_env", "BENCH_KEY").put("privacy", "cloud").put("models", new JsonArray().add("whisper-1"))));
  }

  /** The upstream for the first request of each kind: an embeddings list and a verbose transcript. */
  private static HttpServer mockUpstream(Vertx vertx, int port) throws Exception {
    JsonArray vector = new JsonArray();
    for (int i = 0; i < 384; i++) {
      vector.add(Math.sin(i) / 10);
    }
    Buffer embedding = new JsonObject().put("object", "list").put("model", "bench-embed")
      .put("data", new JsonArray().add(new JsonObject().put("object", "embedding").put("index", 0).put("embedding", vector)))
      .put("usage", new JsonObject().put("prompt_tokens", 7).put("total_tokens", 7)).toBuffer();
    Buffer transcript = new JsonObject().put("task", "transcribe").put("language", "english").put("duration", 30.0)
      .put("text", "a thirty second recording, transcribed once").put("segments", new JsonArray()).toBuffer();
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> req.response()
        .putHeader("content-type", "application/json")
        .end(req.path().endsWith("/embeddings") ? embedding : transcript)))
      .listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  /** The direct static answer: the bytes the node answered, for the same path, after reading the whole request. */
  private static HttpServer staticServer(Vertx vertx, int port, Map<String, Buffer> answers) throws Exception {
    return vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setTcpNoDelay(true))
      .requestHandler(req -> {
        benchThread();
        req.body().onSuccess(b -> req.response().putHeader("content-type", "application/json").end(answers.get(req.path())));
      })
      .listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }
}
