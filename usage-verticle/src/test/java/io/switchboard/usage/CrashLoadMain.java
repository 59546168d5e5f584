package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.UsageRecord;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The victim of {@link CrashRecoveryTest}, run in its own JVM: deploys the usage verticle on the embedded store in
 * {@code args[0]} with the durability {@code args[2]} and the background fsync interval {@code args[3]} (ms), and sends
 * {@code args[1]} records (some twice) as fast as acknowledgements allow, printing {@code ACK <request id>} for each
 * acknowledged one and, every 500 acknowledgements, {@code STATUS <json>} (the ledger's status: fsyncs so far).
 * The test kills it with SIGKILL part-way.
 */
public final class CrashLoadMain {

  private static final int WINDOW = 256;
  private static final AtomicInteger ACKED = new AtomicInteger();

  private CrashLoadMain() {
  }

  public static void main(String[] args) {
    String dataDir = args[0];
    int total = Integer.parseInt(args[1]);
    String durability = args[2];
    long syncIntervalMs = Long.parseLong(args[3]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Vertx vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    // Small store batches so the store lags behind the journal and a kill leaves acknowledged records unstored.
    JsonObject conf = new JsonObject().put("store", "duckdb").put("data_dir", dataDir).put("batch_size", 10)
      .put("durability", durability).put("sync_interval_ms", syncIntervalMs);
    vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)).onComplete(ar -> {
      if (ar.failed()) {
        ar.cause().printStackTrace();
        System.exit(2);
      }
      out.println("READY");
      AtomicInteger next = new AtomicInteger();
      for (int i = 0; i < WINDOW; i++) {
        sendNext(vertx, out, next, total);
      }
    });
  }

  /** Record {@code crash-n}, the same every time it is built. */
  static UsageRecord record(int n) {
    return UsageRecord.builder("crash-" + n).time(Instant.ofEpochMilli(1_790_000_000_000L + n)).keyId("k_crash")
      .backend("openai").model("gpt-4o-mini").tokens(100 + n % 50, 20).costUsd(0.0001).build();
  }

  /** Send i is record {@code crash-i}; every seventh sends an earlier record again, as a retrying router would. */
  private static void sendNext(Vertx vertx, PrintStream out, AtomicInteger next, int total) {
    int i = next.getAndIncrement();
    if (i >= total) {
      return;
    }
    UsageRecord r = record(i % 7 == 6 ? i - 5 : i);
    vertx.eventBus().request(Addresses.USAGE, r.toJson()).onComplete(ar -> {
      if (ar.succeeded()) {
        out.println("ACK " + r.requestId());
        if (ACKED.incrementAndGet() % 500 == 0) {
          vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "status"))
            .onSuccess(s -> out.println("STATUS " + s.body().encode()));
        }
      } else {
        out.println("FAIL " + r.requestId() + " " + ar.cause().getMessage());
      }
      sendNext(vertx, out, next, total);
    });
  }
}
