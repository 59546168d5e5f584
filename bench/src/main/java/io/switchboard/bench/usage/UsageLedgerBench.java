package io.switchboard.bench.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.Capability;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.UsageVerticle;
import io.switchboard.usage.store.H2UsageStore;
import io.switchboard.usage.store.PgUsageStore;
import io.switchboard.usage.store.SqlUsageStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput of the usage ledger, in records per second:
 * <ul>
 *   <li>{@code store}: batched inserts straight into the store (H2 file, or PostgreSQL when a URL is given);</li>
 *   <li>{@code ledger}: the whole path through the usage verticle: {@code switchboard.usage} requests answered after
 *   the journal's group-commit fsync, then shipped to the store; reports the acknowledgement rate and the rate at
 *   which records reach the store.</li>
 * </ul>
 * Usage: {@code UsageLedgerBench [records] [postgres-url]}; defaults 100000 records, H2 only.
 */
public final class UsageLedgerBench {

  private static final int BATCH = 1000;
  private static final int WINDOW = 512;

  private UsageLedgerBench() {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String pgUrl = args.length > 1 ? args[1] : null;
    Vertx vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    Path dir = Files.createTempDirectory("usage-bench");
    try {
      report("store h2", n, storeRun(H2UsageStore.file(vertx, dir.resolve("store-h2")), n));
      if (pgUrl != null) {
        report("store postgresql", n, storeRun(PgUsageStore.connect(vertx, pgUrl, 8), n));
      }
      ledgerRun(vertx, dir.resolve("ledger-h2"), new JsonObject().put("store", "h2"), n, "h2");
      if (pgUrl != null) {
        ledgerRun(vertx, dir.resolve("ledger-pg"), new JsonObject().put("store", "postgresql").put("postgres_url", pgUrl), n, "postgresql");
      }
    } finally {
      vertx.close().await();
    }
  }

  private static List<UsageRecord> records(int n) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<UsageRecord> out = new ArrayList<>(n);
    Instant t0 = Instant.now();
    for (int i = 0; i < n; i++) {
      out.add(UsageRecord.builder("bench-" + run + "-" + i).time(t0.plusMillis(i)).keyId("k_bench" + (i % 10))
        .capability(Capability.CHAT).backend("openai").model("gpt-4o-mini").privacy(Privacy.CLOUD)
        .tokens(400 + i % 300, 120).latencyMs(800 + i % 900).firstByteMs(200).costUsd(0.000132)
        .route(new RouteInfo("openai", "gpt-4o-mini", List.of(new RouteInfo.Skip("local", "breaker open")))).build());
    }
    return out;
  }

  private static long storeRun(SqlUsageStore store, int n) throws Exception {
    List<UsageRecord> recs = records(n);
    await(store.migrate());
    long start = System.nanoTime();
    for (int i = 0; i < n; i += BATCH) {
      await(store.insert(recs.subList(i, Math.min(n, i + BATCH))));
    }
    await(store.sync());
    long nanos = System.nanoTime() - start;
    await(store.close());
    return nanos;
  }

  private static void ledgerRun(Vertx vertx, Path dir, JsonObject conf, int n, String label) throws Exception {
    conf.put("data_dir", dir.toString()).put("idle_check_ms", 20);
    String id = await(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));
    List<UsageRecord> recs = records(n);
    long start = System.nanoTime();
    Promise<Void> allAcked = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger acked = new AtomicInteger();
    for (int i = 0; i < WINDOW; i++) {
      vertx.runOnContext(v -> send(vertx, recs, next, acked, allAcked));
    }
    await(allAcked.future());
    long ackNanos = System.nanoTime() - start;
    report("ledger " + label + " acknowledged (journal fsync)", n, ackNanos);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"))).body();
      if (s.getBoolean("caught_up") && s.getLong("records_shipped") >= n) {
        break;
      }
      Thread.sleep(10);
    }
    report("ledger " + label + " in the store (end to end)", n, System.nanoTime() - start);
    await(vertx.undeploy(id));
  }

  private static void send(Vertx vertx, List<UsageRecord> recs, AtomicInteger next, AtomicInteger acked, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= recs.size()) {
      return;
    }
    vertx.eventBus().request(Addresses.USAGE, recs.get(i).toJson()).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      if (acked.incrementAndGet() == recs.size()) {
        done.tryComplete();
      }
      send(vertx, recs, next, acked, done);
    });
  }

  private static void report(String what, int n, long nanos) {
    double secs = nanos / 1e9;
    System.out.printf(Locale.ROOT, "%-48s %9d records in %7.2f s = %,10.0f records/s%n", what, n, secs, n / secs);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }
}
