package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.Reservation;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.usage.BudgetGuard;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.usage.query.UsageCsv;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.UsageTotals;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage verticle end to end on the embedded store: records, queries, export, keys and budgets over the bus. */
class UsageVerticleTest {

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    JsonObject conf = new JsonObject().put("store", "duckdb").put("data_dir", dir.toString())
      .put("idle_check_ms", 50).put("rotate_age_ms", 100);
    result(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));
  }

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private Future<JsonObject> ask(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(Message::body);
  }

  private static MeshException meshFailure(Future<?> f) throws Exception {
    return assertInstanceOf(MeshException.class, Await.failure(f));
  }

  /** The rows a query grouped {@code by} must answer over all of {@code records}. */
  private static JsonArray expectedRows(List<UsageRecord> records, GroupBy by) {
    JsonArray rows = new JsonArray();
    for (UsageTotals t : TestRecords.expected(records, by, 0, Long.MAX_VALUE)) {
      rows.add(t.toJson(by));
    }
    return rows;
  }

  @Test
  void recordsAreAcknowledgedStoredOnceQueriedAndExported() throws Exception {
    List<UsageRecord> records = TestRecords.generate(500, 11, "v-");
    List<Future<JsonObject>> acks = new ArrayList<>();
    records.forEach(r -> acks.add(ask(Addresses.USAGE, r.toJson())));
    records.subList(0, 50).forEach(r -> acks.add(ask(Addresses.USAGE, r.toJson())));
    for (Future<JsonObject> a : acks) {
      assertEquals(new JsonObject().put("durability", "process"), result(a));
    }
    JsonObject status = Await.caughtUp(vertx, 30);
    assertEquals("duckdb", status.getString("store"));
    assertEquals(550L, status.getLong("records_journaled"));

    JsonObject byBackend = result(ask(Addresses.USAGE_QUERY, new JsonObject().put("op", "query").put("group_by", "backend")));
    assertEquals(expectedRows(records, GroupBy.BACKEND), byBackend.getJsonArray("rows"));
    assertEquals(5, byBackend.getJsonArray("rows").size());

    String from = TestRecords.START.plusSeconds(86_400).toString();
    JsonObject byDay = result(ask(Addresses.USAGE_QUERY, new JsonObject().put("group_by", "day").put("from", from).put("to", "2026-11-23")));
    long inWindow = records.stream().filter(r -> !r.time().isBefore(Instant.parse(from)) && r.time().isBefore(Instant.parse("2026-11-23T00:00:00Z"))).count();
    long counted = 0;
    for (Object row : byDay.getJsonArray("rows")) {
      counted += ((JsonObject) row).getLong("requests");
    }
    assertEquals(inWindow, counted);

    String csv = result(vertx.eventBus().<String>request(Addresses.USAGE_QUERY, new JsonObject().put("op", "export").put("limit", 1000))).body();
    String[] lines = csv.split("\r\n");
    assertEquals(UsageCsv.HEADER, lines[0]);
    assertEquals(501, lines.length, "header + one line per distinct request");
    assertTrue(csv.contains("\\\"\"half\\\"\""), "quotes inside the route JSON are doubled");
  }

  @Test
  void aBatchIsConfirmedByOneReplyAndStoredLikeSingleRecords() throws Exception {
    List<UsageRecord> records = TestRecords.generate(300, 7, "b-");
    List<Future<JsonObject>> acks = new ArrayList<>();
    for (int i = 0; i < records.size(); i += 100) {
      acks.add(ask(Addresses.USAGE_BATCH, records.subList(i, i + 100)));
    }
    // A record sent again, in a batch and alone, is stored once.
    acks.add(ask(Addresses.USAGE_BATCH, records.subList(0, 10)));
    acks.add(ask(Addresses.USAGE, records.get(11).toJson()));
    for (Future<JsonObject> a : acks) {
      assertEquals(new JsonObject().put("durability", "process"), result(a));
    }
    JsonObject status = Await.caughtUp(vertx, 30);
    assertEquals(311L, status.getLong("records_journaled"));
    JsonObject byModel = result(ask(Addresses.USAGE_QUERY, new JsonObject().put("op", "query").put("group_by", "model")));
    assertEquals(expectedRows(records, GroupBy.MODEL), byModel.getJsonArray("rows"));
  }

  /** The export of every stored record, asked for in one piece: what the paged exports below must add up to. */
  private static final JsonObject EXPORT = new JsonObject().put("op", "export").put("from", TestRecords.START.toString());

  /** Stores 230 generated records and answers their whole export in one piece. */
  private String storedAndExportedWhole(long seed, String prefix) throws Exception {
    result(ask(Addresses.USAGE_BATCH, TestRecords.generate(230, seed, prefix)));
    Await.caughtUp(vertx, 30);
    return result(vertx.eventBus().<String>request(Addresses.USAGE_QUERY, EXPORT.copy().put("limit", 1000))).body();
  }

  @Test
  void anExportInPagesIsTheWholeExport() throws Exception {
    String whole = storedAndExportedWhole(21, "p-");
    StringBuilder paged = new StringBuilder();
    JsonObject ask = EXPORT.copy().put("page_size", 17);
    int pages = 0;
    while (true) {
      Message<String> page = result(vertx.eventBus().request(Addresses.USAGE_QUERY, ask));
      paged.append(page.body());
      pages++;
      String nextId = page.headers().get(Headers.EXPORT_NEXT_ID);
      if (nextId == null) {
        break;
      }
      ask = ask.copy().put("after_ms", Long.parseLong(page.headers().get(Headers.EXPORT_NEXT_MS))).put("after_id", nextId);
    }
    assertEquals(whole, paged.toString());
    assertEquals(230 / 17 + 1, pages, "full pages name the next; the last is short");
    assertEquals(231, whole.split("\r\n").length);
    MeshException e = meshFailure(ask(Addresses.USAGE_QUERY, EXPORT.copy().put("page_size", 0)));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
  }

  /**
   * With the records wanted ({@code limit}) the pages are one read kept between the asks (its name in
   * {@code x-switchboard-cursor}, sent back as {@code cursor}); an ask naming a cursor this ledger does not hold (another
   * node's) still gets the page after the record it names, and keeps nothing.
   */
  @Test
  void anExportInPagesOfOneReadIsTheWholeExportWhateverCursorIsSentBack() throws Exception {
    String whole = storedAndExportedWhole(22, "c-");
    StringBuilder paged = new StringBuilder();
    JsonObject ask = EXPORT.copy().put("page_size", 17);
    int remaining = 1000;
    int pages = 0;
    Set<String> cursors = new HashSet<>();
    while (true) {
      Message<String> page = result(vertx.eventBus().request(Addresses.USAGE_QUERY, ask.copy().put("limit", remaining)));
      paged.append(page.body());
      pages++;
      remaining -= 17;
      String nextId = page.headers().get(Headers.EXPORT_NEXT_ID);
      if (nextId == null) {
        break;
      }
      ask = ask.copy().put("after_ms", Long.parseLong(page.headers().get(Headers.EXPORT_NEXT_MS))).put("after_id", nextId);
      String cursor = page.headers().get(Headers.EXPORT_CURSOR);
      if (pages == 5) {
        // Another node's cursor: this page is read on its own, and no read is kept for the next.
        assertNotNull(cursor, "a full page of a read kept names it");
        ask.put("cursor", "another-nodes-cursor");
      } else if (cursor != null) {
        cursors.add(cursor);
        ask.put("cursor", cursor);
      } else {
        ask.remove("cursor");
      }
    }
    assertEquals(whole, paged.toString());
    assertEquals(230 / 17 + 1, pages);
    assertEquals(5, cursors.size() + 1, "the read was kept for pages 2 to 5 (one name each), not after the foreign cursor");
  }

  private Future<JsonObject> ask(String address, List<UsageRecord> batch) {
    return vertx.eventBus().<JsonObject>request(address, new UsageBatch(batch)).map(Message::body);
  }

  @Test
  void theJournalEmptiesOnceItsRecordsAreStored() throws Exception {
    for (UsageRecord r : TestRecords.generate(20, 5, "e-")) {
      result(ask(Addresses.USAGE, r.toJson()));
    }
    Await.caughtUp(vertx, 30);
    // One segment is also the state before the full one is rotated out: wait for the rotation, not just the count.
    Await.status(vertx, 30, s -> s.getInteger("journal_segments") == 1 && segmentBytesNow() == 0);
    assertEquals(0, segmentBytes(), "only a fresh, empty segment is left (and its spare)");
  }

  /** {@link #segmentBytes}, or -1 when the folder cannot be read (yet). */
  private long segmentBytesNow() {
    try {
      return segmentBytes();
    } catch (Exception e) {
      return -1;
    }
  }

  /** The data in the journal's segment files: their bytes up to the last one that is not zero (a segment is created as zeros). */
  private long segmentBytes() throws Exception {
    try (var files = Files.list(dir.resolve("journal"))) {
      long bytes = 0;
      for (Path p : files.filter(p -> p.getFileName().toString().startsWith("segment-")).toList()) {
        try {
          byte[] content = Files.readAllBytes(p);
          int end = content.length;
          while (end > 0 && content[end - 1] == 0) {
            end--;
          }
          bytes += end;
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
          // shipped and deleted between the listing and the size
        }
      }
      return bytes;
    }
  }

  @Test
  void badInputIsRefusedWithTheFieldNamed() throws Exception {
    MeshException e = meshFailure(ask(Addresses.USAGE, new JsonObject().put("time", Instant.now().toString())));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains("request_id"), e.getMessage());
    e = meshFailure(ask(Addresses.USAGE, new JsonObject().put("request_id", "x").put("time", "yesterday")));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    e = meshFailure(ask(Addresses.USAGE_QUERY, new JsonObject().put("group_by", "colour")));
    assertEquals("group_by", e.param());
    e = meshFailure(ask(Addresses.USAGE_QUERY, new JsonObject().put("from", "last week")));
    assertEquals("from", e.param());
    e = meshFailure(ask(Addresses.USAGE_QUERY, new JsonObject().put("op", "export").put("limit", 0)));
    assertEquals("limit", e.param());
    e = meshFailure(ask(Addresses.KEYS, new JsonObject().put("op", "create").put("privacy", "secret")));
    assertEquals("privacy", e.param());
    e = meshFailure(ask(Addresses.KEYS, new JsonObject().put("op", "create").put("daily_budget_usd", -1)));
    assertEquals("daily_budget_usd", e.param());
    e = meshFailure(ask(Addresses.KEYS, new JsonObject().put("op", "fly")));
    assertEquals("op", e.param());
    e = meshFailure(ask(Addresses.KEYS, new JsonObject().put("op", "revoke").put("id", "k_missing")));
    assertEquals(ErrorCode.NOT_FOUND, e.errorCode());
  }

  /**
   * Requests the handlers cannot read are answered at once, not left to the bus timeout: an instant past what epoch
   * milliseconds hold (Instant.toEpochMilli overflows), a body of JSON text instead of a JSON object.
   */
  @Test
  void aRequestThatCannotBeReadIsAnsweredNotTimedOut() throws Exception {
    DeliveryOptions soon = new DeliveryOptions().setSendTimeout(10_000);
    MeshException e = meshFailure(vertx.eventBus().request(Addresses.USAGE_QUERY,
      new JsonObject().put("from", "+300000000-01-01T00:00:00Z"), soon));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("from", e.param());
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    for (String address : List.of(Addresses.USAGE_QUERY, Addresses.KEYS)) {
      e = meshFailure(vertx.eventBus().request(address, "{\"op\":\"list\"}", soon));
      assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode(), address);
      assertTrue(e.getMessage().endsWith("the body must be a JSON object, got String"), e.getMessage());
    }
  }

  @Test
  void keysAreCreatedOnceListedWithoutSecretsAndRevoked() throws Exception {
    JsonObject created = result(ask(Addresses.KEYS, new JsonObject().put("op", "create").put("name", "team a")
      .put("limits", new JsonObject().put("daily_budget_usd", 5).put("privacy", "zdr").put("allowed_models", new JsonArray().add("gpt-4o-mini")))));
    String plaintext = created.getString("api_key");
    String id = created.getJsonObject("key").getString("id");
    assertTrue(plaintext.startsWith("sb-" + id + "-"), "shape sb-<id>-<secret>");

    JsonObject list = result(ask(Addresses.KEYS, new JsonObject().put("op", "list")));
    assertEquals(1, list.getJsonArray("keys").size());
    assertFalse(list.encode().contains(plaintext.substring(plaintext.lastIndexOf('-') + 1)), "the secret is never listed");
    // The stored row's salt and hash are never listed (checked by field, since the random id itself may spell "hash").
    JsonObject listed = list.getJsonArray("keys").getJsonObject(0);
    assertTrue(listed.fieldNames().stream().noneMatch(f -> f.contains("hash") || f.contains("salt")), "fields: " + listed.fieldNames());

    JsonObject verified = result(ask(Addresses.KEYS, new JsonObject().put("op", "verify").put("api_key", plaintext)));
    assertEquals("zdr", verified.getJsonObject("key").getJsonObject("limits").getString("privacy"));
    assertEquals(ErrorCode.AUTHENTICATION, meshFailure(ask(Addresses.KEYS,
      new JsonObject().put("op", "verify").put("api_key", plaintext + "x"))).errorCode());

    result(ask(Addresses.KEYS, new JsonObject().put("op", "revoke").put("id", id)));
    MeshException e = meshFailure(ask(Addresses.KEYS, new JsonObject().put("op", "verify").put("api_key", plaintext)));
    assertEquals(ErrorCode.AUTHENTICATION, e.errorCode());
    assertTrue(e.getMessage().contains("revoked") && !e.getMessage().contains(plaintext), e.getMessage());
  }

  @Test
  void budgetsStartFromWhatTheStoreSaysWasSpentToday() throws Exception {
    JsonObject created = result(ask(Addresses.KEYS, new JsonObject().put("op", "create").put("name", "budgeted")
      .put("daily_budget_usd", 1.0)));
    String id = created.getJsonObject("key").getString("id");
    result(ask(Addresses.USAGE, UsageRecord.builder("spent-1").keyId(id).backend("openai").model("gpt-4o").costUsd(0.95).build().toJson()));
    Await.caughtUp(vertx, 30);

    KeyVerifier verifier = result(KeyVerifier.overBus(vertx));
    BudgetGuard guard = BudgetGuard.overBus(vertx, verifier);
    MeshException e = assertInstanceOf(MeshException.class, Await.failure(guard.reserve(id, 0.10)));
    assertEquals(ErrorCode.BUDGET_EXCEEDED, e.errorCode());
    assertEquals(402, e.failureCode());
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1) + "T00:00:00Z";
    assertEquals("daily budget of $1.00 for key " + id + " exhausted; resets at " + tomorrow, e.getMessage());

    Reservation r = result(guard.reserve(id, 0.04));
    assertEquals(990_000L, result(guard.dailyTotalMicros(id)));
    result(guard.settle(r, 0.01));
    assertEquals(960_000L, result(guard.dailyTotalMicros(id)), "settled to the real cost");
    assertEquals(Reservation.none(null), result(guard.reserve(null, 3)));
  }
}
