package io.switchboard.bench.gateway;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load generator for loopback benchmarks. Open loop ({@code --rate R}): requests are scheduled at a fixed
 * rate and latency is measured from the scheduled time, so a stall is counted against every request it delayed
 * (no coordinated omission). Closed loop ({@code --rate 0}): {@code --connections C} requests always in flight, for
 * saturation throughput. Stops by itself after {@code --seconds}. Prints one JSON line of results.
 *
 * <p>Usage: {@code LoadGenerator --url http://127.0.0.1:8080/v1/chat/completions --rate 2000 --seconds 20
 * --warmup 5 --connections 32 [--stream]}
 */
public final class LoadGenerator {

  private LoadGenerator() {
  }

  public static void main(String[] args) throws Exception {
    String url = Args.get(args, "--url", "http://127.0.0.1:8080/v1/chat/completions");
    int rate = Integer.parseInt(Args.get(args, "--rate", "1000"));
    int seconds = Integer.parseInt(Args.get(args, "--seconds", "20"));
    int warmup = Integer.parseInt(Args.get(args, "--warmup", "5"));
    int connections = Integer.parseInt(Args.get(args, "--connections", "32"));
    boolean stream = hasFlag(args, "--stream");
    URI uri = URI.create(url);
    if (!uri.getHost().equals("127.0.0.1") && !uri.getHost().equals("localhost")) {
      throw new IllegalArgumentException("benchmarks target loopback only");
    }
    Vertx vertx = BenchKit.oneLoop();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
      .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()), new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    Buffer body = Buffer.buffer(new JsonObject().put("model", "bench-model").put("stream", stream)
      .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "Say something short.")))
      .encode());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(uri.getPath())
      .putHeader("content-type", "application/json").putHeader("authorization", "Bearer bench");

    Run run = new Run(vertx, client, options, body, stream, rate, connections, seconds);
    try {
      // A cold or starved node may take long over its first requests: the waits are generous, and bounded.
      new Run(vertx, client, options, body, stream, rate, connections, warmup).start().await(warmup + 120, TimeUnit.SECONDS);
      run.start().await(seconds + 120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // The event loop's threads would keep the JVM (and the script waiting for it) alive: say so and leave.
      System.err.println("load generator: requests still unanswered after the bounded wait; giving up");
      System.exit(1);
    }
    Histogram h = run.histogram;
    JsonObject out = new JsonObject()
      .put("url", url).put("mode", rate > 0 ? "rate" : "saturation").put("target_rps", rate).put("connections", connections)
      .put("stream", stream).put("seconds", seconds)
      .put("requests", run.completed.get()).put("errors", run.errors.get())
      .put("achieved_rps", Math.round(run.completed.get() / (double) seconds))
      .put("p50_ms", ms(h.getValueAtPercentile(50))).put("p90_ms", ms(h.getValueAtPercentile(90)))
      .put("p99_ms", ms(h.getValueAtPercentile(99))).put("p999_ms", ms(h.getValueAtPercentile(99.9)))
      .put("max_ms", ms(h.getMaxValue()));
    System.out.println(out.encode());
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  /** One measured period. */
  private static final class Run {
    final Vertx vertx;
    final HttpClient client;
    final RequestOptions options;
    final Buffer body;
    final boolean stream;
    final int rate;
    final int connections;
    final int seconds;
    final Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final AtomicLong completed = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long startNanos;
    long sent;
    long endNanos;
    int inflight;

    Run(Vertx vertx, HttpClient client, RequestOptions options, Buffer body, boolean stream, int rate, int connections, int seconds) {
      this.vertx = vertx;
      this.client = client;
      this.options = options;
      this.body = body;
      this.stream = stream;
      this.rate = rate;
      this.connections = connections;
      this.seconds = seconds;
    }

    io.vertx.core.Future<Void> start() {
      vertx.runOnContext(v -> {
        startNanos = System.nanoTime();
        endNanos = startNanos + TimeUnit.SECONDS.toNanos(seconds);
        if (rate > 0) {
          vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            if (now >= endNanos) {
              vertx.cancelTimer(id);
              finishWhenIdle();
              return;
            }
            // Request k is due at start + k / rate: every k up to (now - start) * rate is due now, one more than the quotient.
            long due = (now - startNanos) * rate / 1_000_000_000L + 1;
            while (sent < due) {
              long intended = startNanos + sent * 1_000_000_000L / rate;
              sent++;
              send(intended);
            }
          });
        } else {
          for (int i = 0; i < connections; i++) {
            sendClosed();
          }
        }
      });
      return done.future();
    }

    private void sendClosed() {
      if (System.nanoTime() >= endNanos) {
        finishWhenIdle();
        return;
      }
      send(System.nanoTime());
    }

    private void send(long intendedNanos) {
      inflight++;
      client.request(options)
        .compose(req -> req.send(body))
        .compose(res -> res.body().map(b -> res.statusCode() == 200 && (!stream || b.toString().endsWith("data: [DONE]\n\n"))))
        .onComplete(ar -> {
          inflight--;
          long micros = (System.nanoTime() - intendedNanos) / 1000;
          if (ar.succeeded() && ar.result()) {
            completed.incrementAndGet();
            histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
          } else {
            errors.incrementAndGet();
          }
          if (rate == 0) {
            sendClosed();
          } else if (System.nanoTime() >= endNanos) {
            finishWhenIdle();
          }
        });
    }

    private void finishWhenIdle() {
      if (inflight == 0) {
        done.tryComplete();
      }
    }
  }

  private static boolean hasFlag(String[] args, String name) {
    for (String a : args) {
      if (a.equals(name)) {
        return true;
      }
    }
    return false;
  }
}
