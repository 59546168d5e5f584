package io.switchboard.bench.soak;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.switchboard.bench.audio.UploadMemory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A long run of mixed traffic against one running node, for drift: an open loop at {@code --rate} requests/s (each
 * scheduled at its own time, latency counted from it) of, per ten requests, four whole chats, two streamed chats, two
 * embeddings, one transcription of a second of audio and one speech answer, for {@code --seconds}. Every
 * {@code --window} seconds it prints one JSON line: the window's requests, failures by status, requests it could not
 * send in time ({@code late}: more than {@code --max-inflight} waiting), latency p50/p99/max, and the node's
 * ({@code --pid}) resident memory, heap after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), threads and
 * open file descriptors (an answer is counted in the window it ends in). Then a summary (requests unanswered at the end
 * count as failures): each figure at the end against its value at the end of window 2 (minute 2
 * with the default window). Loopback only; stops by itself.
 *
 * <p>Usage: {@code SoakRun --port 18980 --pid PID [--rate 1000] [--seconds 1200] [--window 60] [--max-inflight 4096]}
 */
public final class SoakRun {

  private static final String[] KINDS = {"chat", "chat", "chat", "chat", "chat-stream", "chat-stream", "embed", "embed",
    "transcribe", "speech"};

  private final Vertx vertx;
  private final HttpClient http;
  private final int port;
  private final long pid;
  private final int maxInflight;
  private final Buffer form;
  private final String boundary = "----soak7MA4YWxkTrZu0gW";
  private final AtomicInteger inflight = new AtomicInteger();
  private Window window = new Window();

  /** One window's counts (touched on the client's event loop only). */
  private static final class Window {
    long ok;
    long late;
    final Map<String, Long> failed = new TreeMap<>();
    long[] latencies = new long[1 << 16];
    int n;

    void latency(long ms) {
      if (n == latencies.length) {
        latencies = Arrays.copyOf(latencies, n * 2);
      }
      latencies[n++] = ms;
    }
  }

  private SoakRun(Vertx vertx, int port, long pid, int maxInflight) {
    this.vertx = vertx;
    this.port = port;
    this.pid = pid;
    this.maxInflight = maxInflight;
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
      new PoolOptions().setHttp1MaxSize(128));
    Buffer wav = UploadMemory.wav(44 + 2 * 16_000); // one second of a tone at 16 kHz
    this.form = Buffer.buffer()
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-mini-transcribe\r\n")
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"one-second.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n").appendBuffer(wav).appendString("\r\n--" + boundary + "--\r\n");
  }

  public static void main(String[] args) throws Exception {
    JsonObject o = Args.options(args, new JsonObject().put("port", 18980).put("pid", -1).put("rate", 1000).put("seconds", 1200)
      .put("window", 60).put("max-inflight", 4096));
    Vertx vertx = BenchKit.oneLoop();
    SoakRun run = new SoakRun(vertx, o.getInteger("port"), o.getLong("pid"), o.getInteger("max-inflight"));
    int rate = o.getInteger("rate");
    int seconds = o.getInteger("seconds");
    int windowSeconds = o.getInteger("window");
    System.out.println(new JsonObject().put("soak", "start").put("rate", rate).put("seconds", seconds).put("window_s", windowSeconds)
      .put("mix", new JsonArray(Arrays.asList(KINDS))).encode());
    run.go(rate, seconds, windowSeconds);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private void go(int rate, int seconds, int windowSeconds) throws Exception {
    long start = System.nanoTime();
    long[] sent = {0};
    CountDownLatch over = new CountDownLatch(1);
    JsonArray samples = new JsonArray();
    long ticker = vertx.setPeriodic(2, t -> {
      long elapsedNs = System.nanoTime() - start;
      long due = Math.min((long) rate * seconds, elapsedNs * rate / 1_000_000_000L);
      while (sent[0] < due) {
        long scheduledNs = start + sent[0] * 1_000_000_000L / rate;
        String kind = KINDS[(int) (sent[0] % KINDS.length)];
        sent[0]++;
        if (inflight.get() >= maxInflight) {
          window.late++;
        } else {
          send(kind, scheduledNs);
        }
      }
    });
    int windows = (seconds + windowSeconds - 1) / windowSeconds;
    for (int w = 1; w <= windows; w++) {
      int index = w;
      vertx.setTimer(Math.max(1, start / 1_000_000 + (long) w * windowSeconds * 1000 - System.nanoTime() / 1_000_000), t -> {
        Window done = window;
        window = new Window();
        vertx.executeBlocking(() -> sample(index, windowSeconds, done)).onSuccess(s -> {
          System.out.println(s.encode());
          samples.add(s);
          if (index == windows) {
            over.countDown();
          }
        });
      });
    }
    over.await(seconds + 600L, TimeUnit.SECONDS);
    vertx.cancelTimer(ticker);
    // Requests still unanswered at the end count as failures: a node that stops answering must not look healthy.
    System.out.println(summary(samples).put("unanswered_at_end", inflight.get()).encode());
  }

  private void send(String kind, long scheduledNs) {
    inflight.incrementAndGet();
    Future<Integer> status = switch (kind) {
      case "chat" -> post("/v1/chat/completions", "application/json", chat(false));
      case "chat-stream" -> post("/v1/chat/completions", "application/json", chat(true));
      case "embed" -> post("/v1/embeddings", "application/json",
        new JsonObject().put("model", "text-embedding-3-small").put("input", "a sentence to embed in the soak").toBuffer());
      case "transcribe" -> post("/v1/audio/transcriptions", "multipart/form-data; boundary=" + boundary, form);
      default -> post("/v1/audio/speech", "application/json", new JsonObject().put("model", "gpt-4o-mini-tts")
        .put("input", "The soak speaks a short sentence.").put("voice", "alloy").put("response_format", "mp3").toBuffer());
    };
    status.onComplete(ar -> {
      Window w = window; // the window the answer ends in
      inflight.decrementAndGet();
      int code = ar.succeeded() ? ar.result() : 0;
      if (code == 200) {
        w.ok++;
        w.latency((System.nanoTime() - scheduledNs) / 1_000_000);
      } else {
        String key = kind + " " + (code == 0 ? "connection: " + ar.cause().getMessage() : code);
        w.failed.merge(key, 1L, Long::sum);
      }
    });
  }

  private static Buffer chat(boolean stream) {
    return new JsonObject().put("model", "gpt-4o-mini").put("stream", stream).put("max_tokens", 32)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say something short.")))
      .toBuffer();
  }

  /** Sends, reads the whole answer; the status, or 0-status failure when the answer broke off (a stream cut). */
  private Future<Integer> post(String path, String contentType, Buffer body) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path)
      .putHeader("content-type", contentType);
    return http.request(o).compose(req -> req.send(body)).compose(res -> res.body().map(b -> {
      if (res.statusCode() == 200 && path.endsWith("/completions") && b.toString().contains("data: ")
        && !b.toString().contains("data: [DONE]")) {
        return 599; // a stream that ended without [DONE]: not a success
      }
      return res.statusCode();
    }));
  }

  private JsonObject sample(int index, int windowSeconds, Window w) throws Exception {
    long[] lat = Arrays.copyOf(w.latencies, w.n);
    Arrays.sort(lat);
    long failed = w.failed.values().stream().mapToLong(Long::longValue).sum();
    JsonObject s = new JsonObject().put("window", index).put("minute", index * windowSeconds / 60.0)
      .put("ok", w.ok).put("failed", failed).put("late", w.late).put("failures", new JsonObject(new TreeMap<>(w.failed)))
      .put("p50_ms", pct(lat, 0.50)).put("p99_ms", pct(lat, 0.99)).put("max_ms", lat.length == 0 ? 0 : lat[lat.length - 1]);
    if (pid > 0) {
      s.put("rss_mb", status("VmRSS") / 1024.0).put("threads", status("Threads")).put("fds", fds())
        .put("heap_after_gc_mb", heapAfterGc());
    }
    return s;
  }

  private static long pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  private long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private long fds() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /** A full GC in the node ({@code jcmd PID GC.run}), then the heap in use ({@code GC.heap_info}), in MiB. */
  private double heapAfterGc() throws Exception {
    jcmd("GC.run");
    Matcher m = USED.matcher(jcmd("GC.heap_info"));
    return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : -1;
  }

  private String jcmd(String command) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
      .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  /** The last window against window 2 (the first is warm-up: JIT, pools, the ledger's first batches). */
  private static JsonObject summary(JsonArray samples) {
    JsonObject out = new JsonObject().put("soak", "summary").put("windows", samples.size());
    long ok = 0;
    long failed = 0;
    long late = 0;
    for (int i = 0; i < samples.size(); i++) {
      ok += samples.getJsonObject(i).getLong("ok");
      failed += samples.getJsonObject(i).getLong("failed");
      late += samples.getJsonObject(i).getLong("late");
    }
    out.put("ok", ok).put("failed", failed).put("late", late);
    if (samples.size() >= 2) {
      JsonObject base = samples.getJsonObject(1);
      JsonObject last = samples.getJsonObject(samples.size() - 1);
      for (String k : new String[]{"rss_mb", "heap_after_gc_mb", "threads", "fds", "p50_ms", "p99_ms"}) {
        if (base.containsKey(k)) {
          double b = base.getDouble(k);
          double l = last.getDouble(k);
          out.put(k, new JsonObject().put("window2", b).put("last", l).put("change_pct", b == 0 ? 0 : Math.round((l - b) * 1000 / b) / 10.0));
        }
      }
    }
    return out;
  }
}
