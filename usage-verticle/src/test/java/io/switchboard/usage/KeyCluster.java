package io.switchboard.usage;

import io.switchboard.core.testkit.ClusterPair;
import io.switchboard.core.usage.KeyLookup;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.switchboard.core.testkit.Await.await;

/**
 * The two nodes of the key tests, new for each test: node A runs the usage verticle on an embedded (DuckDB) ledger in
 * a folder of its own, node B runs nothing, as a router replica without the store would. Register it per test
 * instance: {@code @RegisterExtension final KeyCluster nodes = new KeyCluster();}, then use {@link #a} and {@link #b}
 * and the verifiers on them.
 */
final class KeyCluster implements BeforeEachCallback, AfterEachCallback {

  Vertx a;
  Vertx b;
  /** The lookups over the bus of the verifier {@link #verifierOnB} made: what it did not answer from its cache. */
  final AtomicInteger lookupsOnB = new AtomicInteger();
  private ClusterPair pair;
  private Path dir;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("key-cluster");
    pair = ClusterPair.start();
    a = pair.a;
    b = pair.b;
    JsonObject conf = new JsonObject().put("store", "duckdb").put("data_dir", dir.toString());
    await(a.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)), 60);
  }

  /** A key verifier on A, beside the ledger. */
  KeyVerifier verifierOnA() {
    return await(KeyVerifier.overBus(a), 60);
  }

  /** A key verifier on B, caching keys for five minutes, its lookups over the bus counted in {@link #lookupsOnB}. */
  KeyVerifier verifierOnB() {
    KeyLookup overBus = KeyLookup.overBus(b, 5000);
    return await(KeyVerifier.start(b, kid -> {
      lookupsOnB.incrementAndGet();
      return overBus.find(kid);
    }, 300_000), 60);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    pair.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new IOException("cannot remove " + dir, e);
    }
  }
}
