package io.switchboard.usage.store;

import io.switchboard.api.CallUsage;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A DuckDB ledger written before the voice mode and exact cache columns (schema step 3) takes steps 4 and 5 on the
 * next start: its records read back as before (no cache status, nothing saved), and new call records group by mode.
 */
class DuckDbMigrationForwardTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();

  @TempDir
  Path dir;

  @Test
  void aLedgerAtStepThreeMigratesForward() throws Exception {
    Path file = dir.resolve("usage.duckdb");
    Instant t = TestRecords.START;
    UsageRecord old = UsageRecord.builder("old-1").time(t).keyId("k_a").costUsd(0.01).build();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file)) {
      c.setAutoCommit(false);
      DuckDbSchema.migrate(c, 3);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO usage_records VALUES ('old-1', " + t.toEpochMilli() + ", '" + UsageColumns.day(old)
          + "', 'k_a', NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 10000, 200, NULL, NULL)");
      }
      c.commit();
      assertEquals(List.of(1, 2, 3), DuckDbSchema.versions(c));
    }
    DuckDbUsageStore store = DuckDbUsageStore.open(vertx, file, null, new DuckDbUsageStore.Options(64, 1, 2, 16, java.util.Map.of()));
    try {
      Await.result(store.migrate());
      assertEquals(List.of(1, 2, 3, 4, 5), Await.result(store.schemaVersions()));
      CallUsage call = new CallUsage("twilio", 60_000, 1.0, 2.0, 1, 0, null, "caller hung up",
        List.of(new CallUsage.Stage("realtime", 1, 0, List.of("b"), 0.12)), "realtime", null);
      Await.result(store.insert(List.of(
        UsageRecord.builder("call-1").time(t.plusSeconds(1)).latencyMs(60_000).call(call).build())));
      assertEquals(old, Await.result(store.records(0, Long.MAX_VALUE, 10)).get(0));
      assertEquals(List.of(new ModeTotals("realtime", 1, 60_000, 0, 120_000, 0, 0)),
        Await.result(store.modeTotals(0, Long.MAX_VALUE)));
    } finally {
      Await.result(store.close());
    }
  }
}
