package io.switchboard.usage.store;

import io.switchboard.api.CacheStatus;
import io.switchboard.api.CallUsage;
import io.switchboard.api.Capability;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestPostgres;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A PostgreSQL ledger at any earlier schema step migrates forward to the last: the release (step 2), main's voice
 * modes and exact cache (steps 3 and 4), and a database made by the ledger branch before the merge, whose key change
 * was recorded as step 3 (it is step 5 now). After the migration the record identity is (request id, time), and the
 * mode and cache columns are there.
 */
class PgMigrationForwardTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();
  private final List<String> urls = new ArrayList<>();

  @AfterEach
  void dropSchemas() throws Exception {
    for (String url : urls) {
      TestPostgres.dropSchema(vertx, url);
    }
  }

  /** The steps an earlier database took, each recorded under the number it had then. */
  private static List<UsageSql.Migration> earlier(String state) {
    List<UsageSql.Migration> all = UsageSql.MIGRATIONS;
    UsageSql.Migration identity = all.get(4);
    return switch (state) {
      case "release" -> all.subList(0, 2);
      case "voice-modes" -> all.subList(0, 3);
      case "exact-cache" -> all.subList(0, 4);
      // As the ledger branch wrote its step 3 before the merge.
      case "ledger-branch" -> List.of(all.get(0), all.get(1), new UsageSql.Migration(3, identity.description(), List.of(
        "ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey",
        "ALTER TABLE usage_records ADD PRIMARY KEY (request_id, ts_ms)")));
      default -> throw new IllegalArgumentException(state);
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"release", "voice-modes", "exact-cache", "ledger-branch"})
  void anEarlierStepMigratesForward(String state) throws Exception {
    String url = TestPostgres.freshSchemaUrl(vertx);
    urls.add(url);
    PgUsageStore store = PgUsageStore.connect(vertx, url, 2);
    try {
      Await.result(store.pool.query(UsageSql.CREATE_SCHEMA_VERSION).execute());
      for (UsageSql.Migration m : earlier(state)) {
        for (String statement : m.statements()) {
          Await.result(store.pool.query(statement).execute());
        }
        Await.result(store.pool.preparedQuery(store.sql(UsageSql.INSERT_VERSION))
          .execute(Tuple.of(m.version(), m.description(), 0L)));
      }
      // A record as the release wrote it (its columns only).
      Instant t = TestRecords.START;
      Await.result(store.pool.query("INSERT INTO usage_records (request_id, ts_ms, usage_day, input_tokens, output_tokens, "
        + "audio_ms, characters, latency_ms, first_byte_ms, cost_micros, status) VALUES ('old-1', " + t.toEpochMilli()
        + ", '" + UsageColumns.day(UsageRecord.builder("x").time(t).build()) + "', 1, 2, 0, 0, 5, 5, 10, 200)").execute());

      Await.result(store.migrate());
      assertEquals(List.of(1, 2, 3, 4, 5), Await.result(store.schemaVersions()));

      UsageRecord reused = UsageRecord.builder("old-1").time(t.plusSeconds(30)).capability(Capability.CHAT).build();
      UsageRecord hit = UsageRecord.builder("hit-1").time(t.plusSeconds(31)).cache(CacheStatus.HIT).savedUsd(0.002).build();
      CallUsage call = new CallUsage("twilio", 60_000, 1.0, 2.0, 1, 0, null, "caller hung up",
        List.of(new CallUsage.Stage("realtime", 1, 0, List.of("b"), 0.12)), "realtime", null);
      UsageRecord callRecord = UsageRecord.builder("call-1").time(t.plusSeconds(32)).latencyMs(60_000).call(call).build();
      Await.result(store.insert(List.of(reused, hit, callRecord)));
      List<UsageRecord> back = Await.result(store.records(0, Long.MAX_VALUE, 10));
      assertEquals(4, back.size(), "the reused request id at another time is a second record: " + back);
      assertEquals(hit, back.get(2), "cache columns kept");
      assertEquals(List.of(new ModeTotals("realtime", 1, 60_000, 0, 120_000, 0, 0)),
        Await.result(store.modeTotals(0, Long.MAX_VALUE)), "mode columns kept");
    } finally {
      Await.result(store.close());
    }
  }
}
