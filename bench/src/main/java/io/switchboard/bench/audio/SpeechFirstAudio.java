package io.switchboard.bench.audio;

import io.switchboard.bench.BenchKit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Time to first audio (TTFA) of a speech request, straight to the mock upstream and through Switchboard's
 * {@code POST /v1/audio/speech}, measured at the client as the time from sending the request to the first byte of
 * the audio body. The two targets are interleaved request by request (the order flips every pair), so whatever
 * else the machine is doing weighs on both alike; the difference of their percentiles is what the mesh adds.
 *
 * <ol>
 *   <li>warm-up, not recorded: {@code --warmup-rate} requests/s for {@code --warmup-seconds} (enough requests for
 *       the JIT to compile the whole path; a few hundred leave it interpreted and the mesh looks slow), then
 *       {@code --warmup} sequential pairs;</li>
 *   <li>sequential: {@code --pairs} pairs, one request in flight at a time;</li>
 *   <li>concurrent: {@code --rate} requests/s (half to each target) for {@code --seconds}, open loop; latency is
 *       counted from the scheduled send time, so a stalled client is not hidden.</li>
 * </ol>
 * A request counts only if its status is 200 and its whole audio ({@code --expect-bytes}) arrived. Prints one JSON
 * line per mode. Loopback only.
 *
 * <p>Usage: {@code SpeechFirstAudio --provider openai|elevenlabs [--upstream-port 18091] [--mesh-port 18080]
 * [--warmup-rate 300] [--warmup-seconds 15] [--warmup 50] [--pairs 300] [--rate 50] [--seconds 20] [--expect-bytes 40960] [--trace-out FILE]}
 */
public final class SpeechFirstAudio {

  private static final String TEXT = "Thank you for calling. Your appointment is confirmed for Tuesday at ten.";

  private static String text(int n) {
    return TEXT + " Reference " + n + ".";
  }
  private static final String VOICE_ID = "21m00Tcm4TlvDq8ikWAM";

  private final Vertx vertx;
  private final HttpClient client;
  private final Target direct;
  private final Target mesh;
  private int made; // requests made so far, on the bench's one event loop: each one's text is new
  private final long expectBytes;

  /**
   * One way to ask for the same speech: where, and the body for the n-th request. Every request's text differs (a
   * reference number at its end), because the mesh's exact cache answers a repeated speech request without the
   * upstream: the same text every time measured cache hits, not what the mesh adds to a request it must pass on.
   */
  private record Target(String name, RequestOptions options, IntFunction<Buffer> body) {
  }

  /** TTFA, and its two legs from the mock's clock stamps: request sent to request read, first chunk written to read. */
  private static final class Stats {
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Histogram requestLeg = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Histogram responseLeg = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final java.util.List<long[]> samples = new java.util.ArrayList<>();
    long errors;

    void record(long startNanos, long firstByteNanos, long upstreamReadNanos, long upstreamWroteNanos) {
      samples.add(new long[]{startNanos, upstreamReadNanos, upstreamWroteNanos, firstByteNanos});
      histogram.recordValue(clamp((firstByteNanos - startNanos) / 1000));
      requestLeg.recordValue(clamp((upstreamReadNanos - startNanos) / 1000));
      responseLeg.recordValue(clamp((firstByteNanos - upstreamWroteNanos) / 1000));
    }

    private long clamp(long micros) {
      return Math.max(0, Math.min(micros, histogram.getHighestTrackableValue()));
    }
  }

  private SpeechFirstAudio(Vertx vertx, String provider, int upstreamPort, int meshPort, long expectBytes) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
      new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
    this.expectBytes = expectBytes;
    JsonObject meshBody = new JsonObject().put("response_format", "mp3");
    if (provider.equals("elevenlabs")) {
      direct = new Target("direct", post(upstreamPort, "/v1/text-to-speech/" + VOICE_ID + "/stream?output_format=mp3_44100_128")
        .putHeader("xi-api-key", "bench-key"),
        n -> new JsonObject().put("text", text(n)).put("model_id", "eleven_flash_v2_5").toBuffer());
      meshBody.put("model", "eleven_flash_v2_5").put("voice", VOICE_ID);
    } else {
      direct = new Target("direct", post(upstreamPort, "/v1/audio/speech").putHeader("authorization", "Bearer bench-key"),
        n -> new JsonObject().put("model", "tts-1").put("input", text(n)).put("voice", "alloy").put("response_format", "mp3")
          .toBuffer());
      meshBody.put("model", "tts-1").put("voice", "alloy");
    }
    mesh = new Target("mesh", post(meshPort, "/v1/audio/speech"), n -> meshBody.copy().put("input", text(n)).toBuffer());
  }

  public static void main(String[] args) throws Exception {
    JsonObject o = Args.options(args, new JsonObject().put("provider", "openai").put("upstream-port", 18091).put("mesh-port", 18080)
      .put("warmup-rate", 300).put("warmup-seconds", 15).put("warmup", 50).put("pairs", 300).put("rate", 50).put("seconds", 20)
      .put("expect-bytes", 40960).putNull("trace-out"));
    String provider = o.getString("provider");
    Vertx vertx = BenchKit.oneLoop();
    SpeechFirstAudio bench = new SpeechFirstAudio(vertx, provider, o.getInteger("upstream-port"), o.getInteger("mesh-port"),
      o.getLong("expect-bytes"));
    try {
      int warmupRate = o.getInteger("warmup-rate");
      int warmupSeconds = o.getInteger("warmup-seconds");
      if (warmupRate > 0 && warmupSeconds > 0) {
        bench.openLoop(warmupRate, warmupSeconds, new Stats(), new Stats()).await(warmupSeconds + 120L, TimeUnit.SECONDS);
      }
      int warmup = o.getInteger("warmup");
      bench.sequential(warmup, new Stats(), new Stats()).await(warmup * 10L + 60, TimeUnit.SECONDS);
      Stats d = new Stats();
      Stats m = new Stats();
      int pairs = o.getInteger("pairs");
      bench.sequential(pairs, d, m).await(pairs * 10L + 60, TimeUnit.SECONDS);
      System.out.println(report(provider, "sequential", 0, d, m).encode());
      String traceOut = o.getString("trace-out");
      if (traceOut != null) {
        // Per request clock readings (nanoTime: sent, upstream read, upstream wrote, first byte), to line up with a
        // trace of the node's own event-bus hops.
        try (java.io.PrintWriter w = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(traceOut)))) {
          d.samples.forEach(x -> w.println("direct " + x[0] + " " + x[1] + " " + x[2] + " " + x[3]));
          m.samples.forEach(x -> w.println("mesh " + x[0] + " " + x[1] + " " + x[2] + " " + x[3]));
        }
      }
      int rate = o.getInteger("rate");
      int seconds = o.getInteger("seconds");
      if (rate > 0 && seconds > 0) {
        Stats dc = new Stats();
        Stats mc = new Stats();
        bench.openLoop(rate, seconds, dc, mc).await(seconds + 120L, TimeUnit.SECONDS);
        System.out.println(report(provider, "concurrent", rate, dc, mc).encode());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static RequestOptions post(int port, String uri) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(uri)
      .putHeader("content-type", "application/json");
  }

  /** {@code pairs} pairs one after another, the order flipping each pair. */
  private Future<Void> sequential(int pairs, Stats d, Stats m) {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> nextPair(0, pairs, d, m, done));
    return done.future();
  }

  private void nextPair(int i, int pairs, Stats d, Stats m, Promise<Void> done) {
    if (i == pairs) {
      done.complete();
      return;
    }
    boolean directFirst = i % 2 == 0;
    Target first = directFirst ? direct : mesh;
    Target second = directFirst ? mesh : direct;
    once(first, System.nanoTime(), directFirst ? d : m)
      .compose(x -> once(second, System.nanoTime(), directFirst ? m : d))
      .onComplete(x -> nextPair(i + 1, pairs, d, m, done));
  }

  /** {@code rate} requests a second for {@code seconds}, alternating targets, on a 1 ms tick. */
  private Future<Void> openLoop(int rate, int seconds, Stats d, Stats m) {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long[] sent = {0};
      int[] inflight = {0};
      vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        if (now >= end) {
          vertx.cancelTimer(id);
          if (inflight[0] == 0) {
            done.tryComplete();
          }
          return;
        }
        // Request k is due at start + k/rate: by now, every k up to (now - start) * rate is.
        long due = (now - start) * rate / 1_000_000_000L + 1;
        while (sent[0] < due) {
          long intended = start + sent[0] * 1_000_000_000L / rate;
          boolean toDirect = sent[0] % 2 == 0;
          sent[0]++;
          inflight[0]++;
          once(toDirect ? direct : mesh, intended, toDirect ? d : m).onComplete(x -> {
            if (--inflight[0] == 0 && System.nanoTime() >= end) {
              done.tryComplete();
            }
          });
        }
      });
    });
    return done.future();
  }

  /** One request: records the time from {@code startNanos} to the first audio byte once the whole audio is in. */
  private Future<Void> once(Target target, long startNanos, Stats stats) {
    Promise<Void> done = Promise.promise();
    long[] firstByte = {0};
    long[] stamps = {0, 0};
    long[] bytes = {0};
    Buffer body = target.body().apply(++made);
    client.request(target.options()).compose(req -> req.send(body)).onComplete(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        stats.errors++;
        if (ar.succeeded()) {
          ar.result().body();
        }
        done.complete();
        return;
      }
      ar.result().handler(chunk -> {
        if (firstByte[0] == 0 && chunk.length() > 0) {
          firstByte[0] = System.nanoTime();
          if (chunk.length() >= 24) {
            stamps[0] = chunk.getLong(8);
            stamps[1] = chunk.getLong(16);
          }
        }
        bytes[0] += chunk.length();
      });
      ar.result().exceptionHandler(err -> {
        stats.errors++;
        done.tryComplete();
      });
      ar.result().endHandler(v -> {
        if (firstByte[0] == 0 || bytes[0] != expectBytes || stamps[0] == 0) {
          stats.errors++;
        } else {
          stats.record(startNanos, firstByte[0], stamps[0], stamps[1]);
        }
        done.tryComplete();
      });
    });
    return done.future();
  }

  private static JsonObject report(String provider, String mode, int rate, Stats d, Stats m) {
    JsonObject out = new JsonObject().put("bench", "speech-ttfa").put("provider", provider).put("mode", mode);
    if (rate > 0) {
      out.put("rate", rate);
    }
    out.put("direct", percentiles(d.histogram).put("requests", d.histogram.getTotalCount()).put("errors", d.errors))
      .put("mesh", percentiles(m.histogram).put("requests", m.histogram.getTotalCount()).put("errors", m.errors))
      .put("added", added(d.histogram, m.histogram))
      // The legs leave out the mock's timer jitter: what the mesh adds before the upstream reads the request, and
      // between the upstream writing the first audio and the client reading it.
      .put("added_request_leg", added(d.requestLeg, m.requestLeg))
      .put("added_response_leg", added(d.responseLeg, m.responseLeg))
      .put("direct_legs", new JsonObject().put("request", percentiles(d.requestLeg)).put("response", percentiles(d.responseLeg)))
      .put("mesh_legs", new JsonObject().put("request", percentiles(m.requestLeg)).put("response", percentiles(m.responseLeg)));
    return out;
  }

  private static JsonObject added(Histogram direct, Histogram mesh) {
    JsonObject added = new JsonObject();
    for (double p : new double[]{50, 90, 99}) {
      added.put("p" + (int) p + "_ms", ms(mesh.getValueAtPercentile(p) - direct.getValueAtPercentile(p)));
    }
    return added;
  }

  private static JsonObject percentiles(Histogram h) {
    return new JsonObject().put("p50_ms", ms(h.getValueAtPercentile(50))).put("p90_ms", ms(h.getValueAtPercentile(90)))
      .put("p99_ms", ms(h.getValueAtPercentile(99))).put("max_ms", ms(h.getMaxValue()));
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
