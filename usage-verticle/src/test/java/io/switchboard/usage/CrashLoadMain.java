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
 * The victim of {@link CrashRecoveryTest}, run in its own JVM: deploys the usage verticle on H2 in
 * {@code args[0]} and sends {@code args[1]} records (some twice) as fast as acknowledgements allow, printing
 * {@code ACK <request id>} for each acknowledged one. The test kills it with SIGKILL part-way.
 */
public final class CrashLoadMain {

  private static final int WINDOW = 256;

  private CrashLoadMain() {
  }

  public static void main(String[] args) {
    String dataDir = args[0];
    int total = Integer.parseInt(args[1]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Vertx vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    // Small store batches so the store lags behind the journal and a kill leaves acknowledged records unstored.
    JsonObject conf = new JsonObject().put("store", "h2").put("data_dir", dataDir).put("batch_size", 10);
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

  /** Record i is {@code crash-i}; every seventh send repeats an earlier id, as a retrying router would. */
  private static void sendNext(Vertx vertx, PrintStream out, AtomicInteger next, int total) {
    int i = next.getAndIncrement();
    if (i >= total) {
      return;
    }
    String id = i % 7 == 6 ? "crash-" + (i - 5) : "crash-" + i;
    UsageRecord r = UsageRecord.builder(id).time(Instant.ofEpochMilli(1_790_000_000_000L + i)).keyId("k_crash")
      .backend("openai").model("gpt-4o-mini").tokens(100 + i % 50, 20).costUsd(0.0001).build();
    vertx.eventBus().request(Addresses.USAGE, r.toJson()).onComplete(ar -> {
      if (ar.succeeded()) {
        out.println("ACK " + id);
      } else {
        out.println("FAIL " + id + " " + ar.cause().getMessage());
      }
      sendNext(vertx, out, next, total);
    });
  }
}
