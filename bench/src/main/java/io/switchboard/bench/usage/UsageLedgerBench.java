package io.switchboard.bench.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.UsageRecord;
import io.switchboard.router.usage.UsageRecorder;
import io.switchboard.usage.UsageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usage ledger as the router uses it: records sent on {@code switchboard.usage} from a verticle of their own and
 * confirmed by the usage verticle, then shipped to the store. Two modes:
 * <ul>
 *   <li>{@code flood}: {@code records} records, 512 in flight, as fast as confirmations come: the confirmation rate
 *   and the rate at which records reach the store;</li>
 *   <li>{@code paced}: {@code rate} records a second for {@code seconds} (after 5 s of warm-up), the latency of each
 *   confirmation (what an answer waits for) and the process's memory.</li>
 * </ul>
 * Both report the CPU per record by thread ({@link ThreadCpu}): the sender's event loop apart from the ledger's, the
 * journal writer and fsync threads, the journal reader, the store's threads, the garbage collector and the rest. {@code UsageLedgerBench flood <records> <durability> <store> [postgres-url]} or
 * {@code UsageLedgerBench paced <rate> <seconds> <durability> <store> [postgres-url]}; durability {@code process} or
 * {@code machine}; store {@code duckdb}, {@code postgresql}, {@code journal} (records journaled, never shipped) or
 * {@code stub} (no ledger: a consumer that confirms at once, the baseline). {@code -Dloops=} event loops (1, as a
 * node), {@code -Dwarmup=} seconds before the paced measurement (15), {@code -Dusage.<setting>=} any ledger setting
 * ({@code -Dusage.duckdb_settings=name=value;name=value}). The sender is the router's own {@link UsageRecorder} (the
 * records of one event-loop turn in one batch), or with {@code -Dsender=json} one JSON message per record on
 * {@code switchboard.usage} (the path of a sender elsewhere in the cluster, and of every record before batches).
 */
public final class UsageLedgerBench {

  private static final int WINDOW = 512;

  private UsageLedgerBench() {
  }

  public static void main(String[] args) throws Exception {
    boolean paced = args[0].equals("paced");
    int a = paced ? 3 : 2;
    String durability = args[a];
    String store = args[a + 1];
    String pgUrl = args.length > a + 2 ? args[a + 2] : null;
    // One event loop by default, as a node runs (SWITCHBOARD_EVENT_LOOPS): the sender then shares it with the ledger.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.getInteger("loops", 1)));
    MeshExceptionCodec.register(vertx);
    Path dir = Files.createTempDirectory("usage-bench");
    System.out.printf("rss before the ledger: %d MB (heap %d MB)%n", UsageStoreBench.rssMb(), UsageStoreBench.heapMb());
    JsonObject conf = new JsonObject().put("data_dir", dir.toString()).put("durability", durability).put("idle_check_ms", 20);
    switch (store) {
      case "duckdb" -> conf.put("store", "duckdb");
      case "postgresql" -> conf.put("store", "postgresql").put("postgres_url", pgUrl);
      // Nothing listens there: the journal takes every record and the shipper retries in the background.
      case "journal" -> conf.put("store", "postgresql").put("postgres_url", "postgresql://bench@127.0.0.1:9/none").put("retry_min_ms", 60_000);
      case "stub" -> { }
      default -> throw new IllegalArgumentException("store: duckdb, postgresql, journal or stub");
    }
    // -Dusage.<setting>=<value>: any setting of the usage: slice.
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("usage.")).forEach(k -> {
      String v = System.getProperty(k);
      if (k.equals("usage.duckdb_settings")) {
        JsonObject settings = new JsonObject();
        for (String kv : v.split(";")) {
          settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        conf.put("duckdb_settings", settings);
      } else {
        conf.put(k.substring(6), v.matches("-?\\d+") ? (Object) Long.parseLong(v) : v);
      }
    });
    try {
      if (store.equals("stub")) {
        // The baseline: a consumer that confirms every record at once, on the event loop. What the sender and the
        // bus cost without a ledger; the ledger's own cost is a run's CPU less this one's.
        JsonObject confirmed = new JsonObject().put("durability", "process");
        await(vertx.eventBus().consumer(Addresses.USAGE, m -> m.reply(confirmed)).completion());
        await(vertx.eventBus().localConsumer(Addresses.USAGE_BATCH, m -> m.reply(confirmed)).completion());
      } else {
        await(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));
      }
      Sender sender = new Sender();
      await(vertx.deployVerticle(sender));
      if (paced) {
        paced(vertx, sender, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      } else {
        flood(vertx, sender, Integer.parseInt(args[1]), !store.equals("journal"));
      }
    } finally {
      vertx.close().await();
    }
  }

  /** Sends from its own event loop, so that its CPU is told apart from the ledger's. */
  private static final class Sender extends VerticleBase {
    private final LedgerRecords records = new LedgerRecords(100_000_000L, 30);
    private final AtomicLong next = new AtomicLong();
    private final boolean json = "json".equals(System.getProperty("sender"));
    private UsageRecorder recorder;
    volatile String thread;

    @Override
    public Future<?> start() {
      thread = Thread.currentThread().getName();
      recorder = new UsageRecorder(vertx, true, 30_000);
      return Future.succeededFuture();
    }

    void onContext(Runnable r) {
      context.runOnContext(v -> r.run());
    }

    /** Sends one record; {@code done} gets the nanoseconds to its confirmation. */
    void send(java.util.function.LongConsumer done, Promise<Void> failed) {
      UsageRecord r = records.record(next.getAndIncrement());
      long t0 = System.nanoTime();
      if (!json) {
        // The recorder never fails: a record no ledger confirmed is counted lost.
        long lost = recorder.lost();
        recorder.send(r).onComplete(ar -> {
          if (recorder.lost() > lost) {
            failed.tryFail(new IllegalStateException(recorder.lost() + " records lost"));
          } else {
            done.accept(System.nanoTime() - t0);
          }
        });
        return;
      }
      vertx.eventBus().request(Addresses.USAGE, r.toJson()).onComplete(ar -> {
        if (ar.failed()) {
          failed.tryFail(ar.cause());
        } else {
          done.accept(System.nanoTime() - t0);
        }
      });
    }
  }

  private static void flood(Vertx vertx, Sender sender, int n, boolean toStore) throws Exception {
    Promise<Void> all = Promise.promise();
    AtomicLong acked = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    ThreadCpu cpu = cpu(sender);
    long start = System.nanoTime();
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      if (sent.incrementAndGet() > n) {
        return;
      }
      sender.send(ns -> {
        if (acked.incrementAndGet() == n) {
          all.tryComplete();
        }
        pump[0].run();
      }, all);
    };
    sender.onContext(() -> {
      for (int i = 0; i < WINDOW; i++) {
        pump[0].run();
      }
    });
    await(all.future());
    long ackNanos = System.nanoTime() - start;
    System.out.printf(Locale.ROOT, "%,d records confirmed in %.2f s: %,.0f records/s%n", n, ackNanos / 1e9, n / (ackNanos / 1e9));
    if (toStore) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      JsonObject s;
      do {
        Thread.sleep(10);
        s = await(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"))).body();
      } while (!(s.getBoolean("caught_up") && s.getLong("records_shipped") >= n) && System.nanoTime() < deadline);
      long storeNanos = System.nanoTime() - start;
      System.out.printf(Locale.ROOT, "%,d records in the store after %.2f s: %,.0f records/s end to end%n", n, storeNanos / 1e9, n / (storeNanos / 1e9));
    }
    cpu.report(n);
  }

  private static void paced(Vertx vertx, Sender sender, int rate, int seconds) throws Exception {
    Histogram latency = new Histogram(3);
    Promise<Void> failed = Promise.promise();
    long[] warmEnd = new long[1];
    ThreadCpu[] cpu = new ThreadCpu[1];
    AtomicLong measured = new AtomicLong();
    long start = System.nanoTime();
    warmEnd[0] = start + TimeUnit.SECONDS.toNanos(Integer.getInteger("warmup", 15));
    long end = warmEnd[0] + TimeUnit.SECONDS.toNanos(seconds);
    long[] due = {0};
    Promise<Void> finished = Promise.promise();
    sender.onContext(() -> vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      if (now >= end) {
        vertx.cancelTimer(id);
        finished.tryComplete();
        return;
      }
      if (cpu[0] == null && now >= warmEnd[0]) {
        cpu[0] = cpu(sender);
      }
      long shouldHave = (now - start) * rate / 1_000_000_000L;
      boolean inWindow = now >= warmEnd[0];
      for (; due[0] < shouldHave; due[0]++) {
        sender.send(ns -> {
          if (inWindow) {
            latency.recordValue(ns);
            measured.incrementAndGet();
          }
        }, failed);
      }
    }));
    await(Future.any(finished.future(), failed.future()));
    if (failed.future().failed()) {
      throw new IllegalStateException(failed.future().cause());
    }
    Thread.sleep(200);
    System.out.printf(Locale.ROOT, "%,d records/s for %d s: confirmation latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
      rate, seconds, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(90) / 1e6,
      latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6, latency.getMaxValue() / 1e6);
    memory();
    vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"))
      .onSuccess(status -> System.out.println("ledger status: " + status.body().encode()));
    Thread.sleep(200);
    cpu[0].report(measured.get());
  }

  /** The process's memory: RSS, the Java heap, and the JVM's own account when started with -XX:NativeMemoryTracking. */
  private static void memory() {
    var heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    System.out.printf("memory under load: rss %d MB, heap used %d MB of %d MB committed%n", UsageStoreBench.rssMb(),
      heap.getUsed() >> 20, heap.getCommitted() >> 20);
    try {
      var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
      Object nmt = server.invoke(new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
        "vmNativeMemory", new Object[]{new String[]{"summary", "scale=MB"}}, new String[]{String[].class.getName()});
      String text = String.valueOf(nmt);
      if (!text.contains("not enabled")) {
        text.lines().filter(l -> l.contains("committed=") && (l.startsWith("Total") || l.startsWith("-"))).forEach(System.out::println);
      }
    } catch (Exception e) {
      System.out.println("(no native memory tracking: " + e.getMessage() + ")");
    }
  }

  /** Thread groups with the sender's event loop told apart from the ledger's. */
  private static ThreadCpu cpu(Sender sender) {
    return new ThreadCpu(t -> t.equals(sender.thread) ? "sender's event loop (not the ledger)"
      : t.startsWith("vert.x-eventloop") ? "ledger's event loop" : ThreadCpu.ledgerGroup(t));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.MINUTES);
  }
}
