package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Nothing acknowledged is lost to a crash of the process: a separate JVM takes records under load and is killed with
 * SIGKILL; after a restart on the same folder every record acknowledged before the kill is stored exactly once. With
 * {@code durability: machine} each acknowledgement came after an fsync; with {@code process} (the default) it came
 * after the write only, and the second test makes sure the kill lands before any background fsync: what the kernel
 * holds in its page cache is what the restart reads.
 */
class CrashRecoveryTest {

  private static final Logger LOG = System.getLogger(CrashRecoveryTest.class.getName());
  private static final int KILL_AFTER_ACKS = 4000;

  @TempDir
  Path dir;
  private JsonObject lastStatus;

  @ParameterizedTest(name = "durability {0}")
  @ValueSource(strings = {"machine", "process"})
  void everyAcknowledgedRecordSurvivesAKillExactlyOnce(String durability) throws Exception {
    Set<String> acked = runAndKill(durability, 5);
    assertTrue(acked.size() >= KILL_AFTER_ACKS * 6 / 7, "acked " + acked.size());
    storedBeforeReplay(acked);
    restartAndCheck(acked);
  }

  @Test
  void aKillBetweenTheAnswerAndTheBackgroundFsyncLosesNothingAnswered() throws Exception {
    // An hour between background fsyncs: the kill certainly comes before the first one.
    Set<String> acked = runAndKill("process", 3_600_000);
    assertNotNull(lastStatus, "the child reported its ledger status");
    assertEquals(0L, lastStatus.getLong("fsyncs"), "answered before any fsync of the journal: " + lastStatus);
    assertTrue(lastStatus.getLong("unsynced_bytes") > 0, lastStatus.encode());
    long stored = storedBeforeReplay(acked);
    assertTrue(stored < acked.size(), "the store lagged, so the journal's page cache had to hold the rest");
    restartAndCheck(acked);
  }

  /** Records in the store (not the journal) when the child was killed. */
  private long storedBeforeReplay(Set<String> acked) throws Exception {
    Vertx probe = Vertx.vertx();
    long stored;
    try {
      DuckDbUsageStore store = DuckDbUsageStore.open(probe, dir.resolve("usage.duckdb"), null, UsageStoreTest.DUCKDB);
      result(store.migrate());
      stored = result(store.count());
      result(store.close());
    } finally {
      probe.close().await();
    }
    LOG.log(Level.INFO, "killed with {0} distinct records acknowledged, {1} in the store; the journal holds the rest",
      acked.size(), stored);
    return stored;
  }

  private void restartAndCheck(Set<String> acked) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      MeshExceptionCodec.register(vertx);
      JsonObject conf = new JsonObject().put("store", "duckdb").put("data_dir", dir.toString()).put("idle_check_ms", 50);
      result(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));
      Await.caughtUp(vertx, 120);
      // A record acknowledged before the crash and sent again after it is still stored once.
      String again = acked.iterator().next();
      result(vertx.eventBus().request(Addresses.USAGE, CrashLoadMain.record(Integer.parseInt(again.substring(6))).toJson()));
      Await.caughtUp(vertx, 60);

      String csv = result(vertx.eventBus().<String>request(Addresses.USAGE_QUERY,
        new JsonObject().put("op", "export").put("limit", 1_000_000))).body();
      Map<String, Integer> seen = new HashMap<>();
      String[] lines = csv.split("\r\n");
      for (int i = 1; i < lines.length; i++) {
        seen.merge(lines[i].substring(0, lines[i].indexOf(',')), 1, Integer::sum);
      }
      List<String> missing = new ArrayList<>();
      for (String id : acked) {
        if (!seen.containsKey(id)) {
          missing.add(id);
        }
      }
      assertEquals(List.of(), missing, "acknowledged before the kill but not stored");
      seen.forEach((id, n) -> assertEquals(1, n, id + " stored " + n + " times"));
      seen.keySet().forEach(id -> assertTrue(id.startsWith("crash-"), id));
    } finally {
      vertx.close().await();
    }
  }

  private Set<String> runAndKill(String durability, long syncIntervalMs) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      cmd.add("-Djava.util.logging.config.file=" + logging);
    }
    cmd.addAll(List.of(CrashLoadMain.class.getName(), dir.toString(), "1000000", durability, String.valueOf(syncIntervalMs)));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Set<String> acked = new HashSet<>();
    int acks = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          acked.add(line.substring(4));
          if (++acks >= KILL_AFTER_ACKS) {
            p.destroyForcibly();
            break;
          }
        } else if (line.startsWith("STATUS ")) {
          lastStatus = new JsonObject(line.substring(7));
        } else if (line.startsWith("FAIL ")) {
          fail("the ledger refused a record: " + line);
        }
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          fail("the child acknowledged only " + acks + " records in time");
        }
      }
    } finally {
      p.destroyForcibly();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the killed JVM did not exit");
    }
    if (acks < KILL_AFTER_ACKS) {
      fail("the child ended after " + acks + " acknowledgements (exit " + p.exitValue() + ")");
    }
    return acked;
  }
}
