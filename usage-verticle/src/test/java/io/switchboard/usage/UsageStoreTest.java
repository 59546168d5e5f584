package io.switchboard.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.Privacy;
import io.switchboard.api.StoredKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestPostgres;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.query.UsageCsv;
import io.switchboard.usage.store.CsvCursor;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.switchboard.usage.store.LedgerStore;
import io.switchboard.usage.store.PgUsageStore;
import io.switchboard.usage.store.UsageTotals;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two stores, DuckDB and a real PostgreSQL, against the same records: same writes, same answers. */
class UsageStoreTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();
  private final List<Runnable> cleanups = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void cleanUp() {
    cleanups.forEach(Runnable::run);
  }

  static <T> T await(Future<T> f) throws Exception {
    return Await.result(f);
  }

  static final DuckDbUsageStore.Options DUCKDB = new DuckDbUsageStore.Options(64, 1, 2, 16, Map.of());

  private LedgerStore open(String kind) throws Exception {
    LedgerStore store;
    if (kind.equals("duckdb")) {
      store = DuckDbUsageStore.open(vertx, dir.resolve("usage-" + System.nanoTime() + ".duckdb"), null, DUCKDB);
    } else {
      String url = TestPostgres.freshSchemaUrl(vertx);
      store = PgUsageStore.connect(vertx, url, 4);
      cleanups.add(() -> {
        try {
          TestPostgres.dropSchema(vertx, url);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
    cleanups.add(0, () -> store.close().await());
    await(store.migrate());
    return store;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void migrationsApplyOnceInOrder(String kind) throws Exception {
    LedgerStore store = open(kind);
    assertEquals(List.of(1, 2, 3, 4, 5), await(store.schemaVersions()));
    await(store.migrate());
    assertEquals(List.of(1, 2, 3, 4, 5), await(store.schemaVersions()), "a second start applies nothing again");
    assertEquals(0L, await(store.count()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void keepsARecordsCacheStatusSavingAndArtifacts(String kind) throws Exception {
    LedgerStore store = open(kind);
    Instant t = Instant.parse("2026-12-05T03:00:00Z");
    UsageRecord hit = transcriptionHit(t);
    UsageRecord before = UsageRecord.builder("old-1").time(t.plusMillis(1)).capability(Capability.CHAT).build();
    await(store.insert(List.of(hit, before)));
    List<UsageRecord> back = await(store.records(0, Long.MAX_VALUE, 10));
    assertEquals(List.of(hit, before), back, "read back field for field");
    assertNull(back.get(1).cache(), "a record without cache fields stays without");
    assertTrue(back.get(1).artifacts().isEmpty());
  }

  /** A transcription answered from the exact cache, with what it saved and its input and output CIDs. */
  private static UsageRecord transcriptionHit(Instant t) {
    return UsageRecord.builder("hit-1").time(t).capability(Capability.TRANSCRIBE).backend("cloud-asr")
      .privacy(Privacy.CLOUD).cache(CacheStatus.HIT).savedUsd(0.003)
      .artifacts(new ArtifactRefs(java.util.Map.of(ArtifactKind.AUDIO_IN, "bafybeia", ArtifactKind.TRANSCRIPT, "bafkreib")))
      .build();
  }

  /** The export (UsageCsv over what the store reads back) carries the cache status, the saving and the CIDs. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void theExportCarriesACacheHitsSavingAndArtifacts(String kind) throws Exception {
    LedgerStore store = open(kind);
    Instant t = Instant.parse("2026-12-05T03:00:00Z");
    UsageRecord plain = UsageRecord.builder("old-1").time(t.plusMillis(1)).capability(Capability.CHAT).build();
    await(store.insert(List.of(transcriptionHit(t), plain)));
    String[] lines = UsageCsv.write(await(store.records(0, Long.MAX_VALUE, 10))).split("\r\n");
    assertTrue(lines[0].endsWith(",route,cache,saved_usd,artifacts"), lines[0]);
    assertTrue(lines[1].startsWith("hit-1,") && lines[1].endsWith(
      ",hit,0.003,\"{\"\"audio_in\"\":\"\"bafybeia\"\",\"\"transcript\"\":\"\"bafkreib\"\"}\""), lines[1]);
    assertTrue(lines[2].startsWith("old-1,") && lines[2].endsWith(",,0.0,"), lines[2]);
  }

  /**
   * The export streamed from the store's columns ({@link LedgerStore#openExport}) is the text the records read back
   * gave (UsageCsv over {@code records}), to the byte, in one piece and page by page, from the start and after a
   * record; with the fields that need quoting or defusing, routes, a cache hit with CIDs, times on a whole second.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void theStreamedExportIsTheTextOfTheRecordsReadBack(String kind) throws Exception {
    LedgerStore store = open(kind);
    List<UsageRecord> records = new ArrayList<>(TestRecords.generate(500, 11, "csv-"));
    Instant t = Instant.parse("2026-12-05T03:00:00Z");
    records.add(transcriptionHit(t));
    records.add(UsageRecord.builder("=1+2,\"quoted\"\r\nline").time(t).keyId("-k").backend("@b").model("+m, x")
      .capability(Capability.CHAT).privacy(Privacy.LOCAL).audioSeconds(1.5).costUsd(0.0000015).error(ErrorCode.UNAVAILABLE)
      .build());
    records.add(UsageRecord.builder("zero").time(t.plusSeconds(1)).build());
    await(store.insert(records));
    int n = records.size();

    String old = UsageCsv.write(await(store.records(0, Long.MAX_VALUE, 10_000)));
    assertEquals(old, UsageCsv.HEADER + "\r\n" + streamed(store, 0, null, n + 5, 10_000), "in one piece");
    assertEquals(old, UsageCsv.HEADER + "\r\n" + streamed(store, 0, null, n, 37), "in pages of 37");
    assertEquals(UsageCsv.write(await(store.records(0, Long.MAX_VALUE, 100))), UsageCsv.HEADER + "\r\n"
      + streamed(store, 0, null, 100, 30), "to a limit");

    UsageRecord after = await(store.records(0, Long.MAX_VALUE, 200)).get(199);
    List<UsageRecord> rest = await(store.recordsAfter(0, Long.MAX_VALUE, after.time().toEpochMilli(), after.requestId(), 10_000));
    assertEquals(n - 200, rest.size());
    assertEquals(UsageCsv.write(rest, false), streamed(store, after.time().toEpochMilli(), after.requestId(), 10_000, 64),
      "after a record");
  }

  /** The CSV lines of an export read through one cursor, {@code page} records at a time. */
  private static String streamed(LedgerStore store, long afterMs, String afterId, int limit, int page) throws Exception {
    CsvCursor cursor = await(store.openExport(0, Long.MAX_VALUE, afterMs, afterId, limit));
    StringBuilder sb = new StringBuilder();
    try {
      for (int pages = 0; pages < 1_000; pages++) {
        CsvCursor.Page p = await(cursor.next(page));
        sb.append(p.csv());
        if (p.rows() < page) {
          break;
        }
      }
    } finally {
      await(cursor.close());
    }
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void storesEachRequestOnceAndGroupsAsTheRecordsSay(String kind) throws Exception {
    LedgerStore store = open(kind);
    List<UsageRecord> records = TestRecords.generate(600, 42, "req-");
    await(store.insert(records.subList(0, 250)));
    assertEquals(250L, await(store.count()));
    await(store.insert(records.subList(250, 600)));
    assertEquals(600L, await(store.count()));
    // A replay (crash recovery, a router that retried) inserts nothing new and does not fail.
    await(store.insert(records.subList(100, 300)));
    List<UsageRecord> withDuplicateInside = new ArrayList<>(records.subList(0, 5));
    withDuplicateInside.add(records.get(0));
    await(store.insert(withDuplicateInside));
    assertEquals(600L, await(store.count()));

    for (GroupBy g : GroupBy.values()) {
      assertEquals(TestRecords.expected(records, g, 0, Long.MAX_VALUE), await(store.totals(0, Long.MAX_VALUE, g)), "group by " + g);
    }
    long from = TestRecords.START.plusSeconds(86_400).toEpochMilli();
    long to = from + 36_000_000;
    assertEquals(TestRecords.expected(records, GroupBy.BACKEND, from, to), await(store.totals(from, to, GroupBy.BACKEND)));

    List<UsageRecord> back = await(store.records(0, Long.MAX_VALUE, 10_000));
    List<UsageRecord> sorted = new ArrayList<>(records);
    sorted.sort(Comparator.comparing(UsageRecord::time).thenComparing(UsageRecord::requestId));
    assertEquals(sorted, back, "records read back field for field");
    assertEquals(10, await(store.records(0, Long.MAX_VALUE, 10)).size());
    // In pages, as the export reads them: each after the last record of the one before (time, then request id).
    List<UsageRecord> paged = new ArrayList<>();
    long afterMs = 0;
    String afterId = null;
    for (int pages = 0; pages < 100; pages++) {
      List<UsageRecord> page = await(store.recordsAfter(0, Long.MAX_VALUE, afterMs, afterId, 37));
      paged.addAll(page);
      if (page.size() < 37) {
        break;
      }
      afterMs = page.get(36).time().toEpochMilli();
      afterId = page.get(36).requestId();
    }
    assertEquals(sorted, paged, "the pages make the whole");

    long spent = records.stream().filter(r -> "k_alpha".equals(r.keyId()) && r.time().toEpochMilli() >= from && r.time().toEpochMilli() < to)
      .mapToLong(r -> Math.round(r.costUsd() * 1_000_000)).sum();
    assertTrue(spent > 0);
    assertEquals(spent, await(store.spentMicros("k_alpha", from, to)));
    assertEquals(0L, await(store.spentMicros("k_nobody", 0, Long.MAX_VALUE)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void aRecordIsItsRequestIdAtItsTime(String kind) throws Exception {
    LedgerStore store = open(kind);
    UsageRecord first = UsageRecord.builder("client-chosen-id").time(TestRecords.START).keyId("k_alpha").costUsd(0.25).build();
    UsageRecord again = UsageRecord.builder("client-chosen-id").time(TestRecords.START.plusSeconds(60)).keyId("k_alpha")
      .costUsd(0.5).build();
    UsageRecord sameTimeOtherFields = UsageRecord.builder("client-chosen-id").time(TestRecords.START).keyId("k_beta")
      .costUsd(9).build();
    await(store.insert(List.of(first)));
    await(store.insert(List.of(again, first)));
    await(store.insert(List.of(sameTimeOtherFields)));
    assertEquals(List.of(first, again), await(store.records(0, Long.MAX_VALUE, 10)),
      "a request that reused an id later is a second record; the same id at the same time is the record already stored");
    assertEquals(750_000L, await(store.spentMicros("k_alpha", 0, Long.MAX_VALUE)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void groupsVoiceCallsByModeWithTheirMinutesFallbacksAndCost(String kind) throws Exception {
    LedgerStore store = open(kind);
    java.time.Instant t = TestRecords.START;
    await(store.insert(List.of(
      callRecord("call_1", t, "realtime", null, 120_000, 0.30, null),
      callRecord("call_2", t.plusSeconds(5), "realtime", null, 60_000, 0.15, ErrorCode.UPSTREAM),
      callRecord("call_3", t.plusSeconds(9), "pipeline", "realtime", 180_000, 0.06, null),
      UsageRecord.builder("req_stage").time(t).capability(io.switchboard.api.Capability.CHAT).costUsd(0.01).build())));
    List<io.switchboard.usage.store.ModeTotals> rows = await(store.modeTotals(0, Long.MAX_VALUE));
    assertEquals(List.of(new io.switchboard.usage.store.ModeTotals("pipeline", 1, 180_000, 1_000, 60_000, 1, 0),
      new io.switchboard.usage.store.ModeTotals("realtime", 2, 180_000, 2_000, 450_000, 0, 1)), rows);
    assertEquals(0.15, rows.get(1).toJson().getDouble("cost_per_minute_usd"), 1e-9);
    assertEquals(0.02, rows.get(0).toJson().getDouble("cost_per_minute_usd"), 1e-9);
    assertTrue(await(store.modeTotals(t.plusSeconds(60).toEpochMilli(), Long.MAX_VALUE)).isEmpty());
  }

  private static UsageRecord callRecord(String id, java.time.Instant t, String mode, String fallbackFrom, long ms, double cost,
                                        ErrorCode error) {
    io.switchboard.api.CallUsage call = new io.switchboard.api.CallUsage("twilio", ms, 1.0, 2.0, 1, 0, null, "caller hung up",
      List.of(new io.switchboard.api.CallUsage.Stage(mode.equals("realtime") ? "realtime" : "chat", 1, 0, List.of("b"), cost)), mode,
      fallbackFrom);
    UsageRecord.Builder b = UsageRecord.builder(id).time(t).latencyMs(ms).audioSeconds(1.0).call(call);
    if (error != null) {
      b.error(error);
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void keepsKeysAndRevokesThem(String kind) throws Exception {
    LedgerStore store = open(kind);
    KeyLimits limits = new KeyLimits(5.0, 100.0, 60, Privacy.ZDR, List.of("openai"), List.of("gpt-4o-mini"));
    ApiKey key = new ApiKey("k_test1", "team a", Instant.ofEpochMilli(1_700_000_000_000L), null, limits);
    await(store.insertKey(new StoredKey(key, "00ff", "abc123")));
    StoredKey found = await(store.findKey("k_test1"));
    assertEquals(new StoredKey(key, "00ff", "abc123"), found);
    assertNull(await(store.findKey("k_none")));
    assertTrue(await(store.revokeKey("k_test1", Instant.ofEpochMilli(1_700_000_100_000L))));
    assertFalse(await(store.revokeKey("k_test1", Instant.now())), "revoking twice changes nothing");
    List<StoredKey> all = await(store.listKeys());
    assertEquals(1, all.size());
    assertEquals(Instant.ofEpochMilli(1_700_000_100_000L), all.get(0).key().revokedAt());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"duckdb", "postgresql"})
  void changesTheLimitsOfLiveKeysOnly(String kind) throws Exception {
    LedgerStore store = open(kind);
    ApiKey key = new ApiKey("k_test2", "team b", Instant.ofEpochMilli(1_700_000_000_000L), null, KeyLimits.NONE);
    await(store.insertKey(new StoredKey(key, "00ff", "abc123")));
    KeyLimits limits = new KeyLimits(2.5, null, 30, Privacy.PRIVATE, List.of(), List.of("whisper-base"));
    assertTrue(await(store.updateKeyLimits("k_test2", limits)));
    StoredKey found = await(store.findKey("k_test2"));
    assertEquals(new StoredKey(new ApiKey("k_test2", "team b", key.createdAt(), null, limits), "00ff", "abc123"), found,
      "the limits change; the name, hash and dates stay");
    assertFalse(await(store.updateKeyLimits("k_none", limits)));
    assertTrue(await(store.revokeKey("k_test2", Instant.ofEpochMilli(1_700_000_100_000L))));
    assertFalse(await(store.updateKeyLimits("k_test2", KeyLimits.NONE)), "a revoked key's limits stay");
    assertEquals(limits, await(store.findKey("k_test2")).key().limits());
  }

  @Test
  void bothStoresGiveIdenticalAnswersForTheSameRecords() throws Exception {
    LedgerStore duck = open("duckdb");
    LedgerStore pg = open("postgresql");
    List<UsageRecord> records = TestRecords.generate(400, 7, "same-");
    await(duck.insert(records));
    await(pg.insert(records));
    for (GroupBy g : GroupBy.values()) {
      List<UsageTotals> a = await(duck.totals(0, Long.MAX_VALUE, g));
      assertEquals(a, await(pg.totals(0, Long.MAX_VALUE, g)), "group by " + g);
      assertFalse(a.isEmpty());
    }
    assertEquals(await(duck.records(0, Long.MAX_VALUE, 1000)), await(pg.records(0, Long.MAX_VALUE, 1000)));
  }
}
