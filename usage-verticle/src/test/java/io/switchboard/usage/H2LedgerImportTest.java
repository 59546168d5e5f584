package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.CallUsage;
import io.switchboard.api.Capability;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.switchboard.api.ApiKey;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.H2UsageStore;
import io.switchboard.usage.store.ModeTotals;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ledger written by the H2 store of earlier versions (the old store code, kept in the tests) is brought into DuckDB on
 * the first start on its folder: every record field for field, every key with its revocation, the same totals; it is
 * imported once, and a start after a crash between the import and the renaming of the H2 file imports nothing again.
 */
class H2LedgerImportTest {

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static final List<UsageRecord> RECORDS = TestRecords.generate(3000, 21, "old-");
  private static final StoredKey ACTIVE = new StoredKey(new ApiKey("k_old000001", "team a",
    Instant.ofEpochMilli(1_700_000_000_000L), null, new KeyLimits(5.0, 100.0, 60, Privacy.ZDR, List.of("openai"),
    List.of("gpt-4o-mini"))), "00ff", "abc123");
  private static final StoredKey REVOKED = new StoredKey(new ApiKey("k_old000002", "gone",
    Instant.ofEpochMilli(1_700_000_000_000L), Instant.ofEpochMilli(1_700_000_500_000L), KeyLimits.NONE), "0a0b", "def456");

  /** The ledger an earlier version left in {@code dir}: H2 in {@code usage.mv.db}. */
  private void writeOldLedger() throws Exception {
    H2UsageStore old = H2UsageStore.file(vertx, dir.resolve("usage"));
    result(old.migrate());
    for (int i = 0; i < RECORDS.size(); i += 500) {
      result(old.insert(RECORDS.subList(i, i + 500)));
    }
    result(old.insertKey(ACTIVE));
    result(old.insertKey(REVOKED));
    assertEquals((long) RECORDS.size(), result(old.count()));
    result(old.close());
    assertTrue(Files.isRegularFile(dir.resolve("usage.mv.db")));
  }

  private DuckDbUsageStore openDuck() throws Exception {
    DuckDbUsageStore duck = DuckDbUsageStore.open(vertx, dir.resolve("usage.duckdb"), dir.resolve("usage"), UsageStoreTest.DUCKDB);
    result(duck.migrate());
    return duck;
  }

  @Test
  void everyRecordAndKeyComesAcrossOnceAndTheH2FileIsSetAside() throws Exception {
    writeOldLedger();
    DuckDbUsageStore duck = openDuck();
    try {
      List<UsageRecord> sorted = new ArrayList<>(RECORDS);
      sorted.sort(Comparator.comparing(UsageRecord::time).thenComparing(UsageRecord::requestId));
      assertEquals(sorted, result(duck.records(0, Long.MAX_VALUE, 10_000)), "records field for field");
      for (GroupBy g : GroupBy.values()) {
        assertEquals(TestRecords.expected(RECORDS, g, 0, Long.MAX_VALUE), result(duck.totals(0, Long.MAX_VALUE, g)), "group by " + g);
      }
      assertEquals(List.of(ACTIVE, REVOKED), result(duck.listKeys()));
      assertEquals(REVOKED, result(duck.findKey("k_old000002")));
    } finally {
      result(duck.close());
    }
    assertFalse(Files.exists(dir.resolve("usage.mv.db")), "the H2 file is set aside");
    assertTrue(Files.isRegularFile(dir.resolve("usage.mv.db.imported")), "and kept");

    // A crash between the import's commit and the renaming: the file is back, and must not be imported twice.
    Files.copy(dir.resolve("usage.mv.db.imported"), dir.resolve("usage.mv.db"));
    duck = openDuck();
    try {
      assertEquals((long) RECORDS.size(), result(duck.count()));
      assertEquals(2, result(duck.listKeys()).size());
    } finally {
      result(duck.close());
    }
    assertFalse(Files.exists(dir.resolve("usage.mv.db")));
  }

  @Test
  void theUsageVerticleImportsOnFirstStartWithTheOldSettingAndAddsNewRecords() throws Exception {
    writeOldLedger();
    // store: h2 was the embedded store's name: read as duckdb, with its ledger imported.
    JsonObject conf = new JsonObject().put("store", "h2").put("data_dir", dir.toString()).put("idle_check_ms", 50);
    result(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));
    UsageRecord fresh = UsageRecord.builder("new-1").keyId("k_old000001").backend("openai").costUsd(0.5).build();
    result(vertx.eventBus().request(Addresses.USAGE, fresh.toJson()));
    // A record the old version had journaled and stored, replayed from its journal after the upgrade: stored once.
    result(vertx.eventBus().request(Addresses.USAGE, RECORDS.get(7).toJson()));
    Await.caughtUp(vertx, 60);
    JsonObject byKey = result(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY,
      new JsonObject().put("op", "query").put("group_by", "key"))).body();
    long total = 0;
    for (Object row : byKey.getJsonArray("rows")) {
      total += ((JsonObject) row).getLong("requests");
    }
    assertEquals(RECORDS.size() + 1, total);
    JsonObject keys = result(vertx.eventBus().<JsonObject>request(Addresses.KEYS,
      new JsonObject().put("op", "list"))).body();
    assertEquals(2, keys.getJsonArray("keys").size());
  }

  /**
   * An H2 ledger that took main's later steps (voice call modes, the exact cache; never released, but a node may have
   * run them): its call records keep their mode, fallback and cost, and its records their cache status and saving.
   */
  @Test
  void anH2LedgerWithModeAndCacheColumnsKeepsThem() throws Exception {
    Instant t = TestRecords.START;
    CallUsage realtime = new CallUsage("twilio", 120_000, 1.0, 2.0, 1, 0, null, "caller hung up",
      List.of(new CallUsage.Stage("realtime", 1, 0, List.of("b"), 0.30)), "realtime", null);
    CallUsage fellBack = new CallUsage("twilio", 60_000, 1.0, 2.0, 1, 0, null, "caller hung up",
      List.of(new CallUsage.Stage("chat", 1, 0, List.of("b"), 0.03)), "pipeline", "realtime");
    UsageRecord hit = UsageRecord.builder("hit-1").time(t).capability(Capability.CHAT).cache(CacheStatus.HIT)
      .savedUsd(0.004).build();
    List<UsageRecord> records = List.of(hit,
      UsageRecord.builder("call-1").time(t.plusSeconds(1)).latencyMs(120_000).call(realtime).build(),
      UsageRecord.builder("call-2").time(t.plusSeconds(2)).latencyMs(60_000).call(fellBack).build());
    H2UsageStore old = H2UsageStore.file(vertx, dir.resolve("usage"), 4);
    result(old.migrate());
    result(old.insert(records));
    result(old.close());

    DuckDbUsageStore duck = openDuck();
    try {
      assertEquals(List.of(new ModeTotals("pipeline", 1, 60_000, 0, 30_000, 1, 0),
        new ModeTotals("realtime", 1, 120_000, 0, 300_000, 0, 0)), result(duck.modeTotals(0, Long.MAX_VALUE)));
      assertEquals(hit, result(duck.records(0, Long.MAX_VALUE, 10)).get(0), "cache status and saving kept");
    } finally {
      result(duck.close());
    }
  }
}
