package io.switchboard.app.chaos;

import io.switchboard.api.UsageRecord;
import io.switchboard.app.chaos.ChaosClient.Outcome;
import io.switchboard.core.testkit.chaos.ChaosProxy;
import io.switchboard.core.testkit.chaos.Fault;
import io.switchboard.router.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.switchboard.app.chaos.ChaosRow.Expect.CUT;
import static io.switchboard.app.chaos.ChaosRow.Expect.FAILOVER;
import static io.switchboard.app.chaos.ChaosRow.Expect.SERVED;
import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream chaos through the whole request path: for every cloud adapter, and for whole answers and streams, each
 * fault of {@link Fault} between the real adapter and its wire-exact fake, with a healthy second backend of the same
 * adapter behind the router. The table says what the client must see (the fault survived, a failover it never
 * noticed, or a stream cut after content that ends in an error, never cleanly) and whether the faulty backend's
 * breaker counts it. Each row also checks the one usage record the router sent the ledger (who served, with which
 * status) and that nothing leaked: no answer of the faulty upstream left open (a connection the adapter did not let
 * go of) and no request left running or queued on the faulty backend. Each row has its own faulty backend and proxy,
 * so the rows run at once and a breaker count belongs to one row; the healthy backend of an adapter serves every
 * row's model. A row that names an error code ({@link ChaosRow#code}) also checks it in the faulty backend's skip
 * reason, and for a rate limit that the backend cools down as its Retry-After said. Then, per adapter, a burst of failures opens a breaker and a healed upstream closes it again.
 *
 * <p>Rows can be chosen with {@code -Dchaos.rows=<regex>} on their names (e.g. {@code 'anthropic stream.*'}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpstreamChaosTest {

  static Vertx vertx;
  static Upstreams upstreams;
  static ChaosNode node;
  static ChaosClient client;
  static Ledger ledger;
  static Instances instances;
  static final Map<ChaosRow, ChaosProxy> proxies = new LinkedHashMap<>();
  /** Per adapter, the backend (and its proxy) whose breaker the breaker test opens and closes. */
  static final Map<Adapter, ChaosProxy> breakerProxies = new EnumMap<>(Adapter.class);

  /** The table: adapter × whole/stream × fault → the client's outcome and the breaker's. */
  static List<ChaosRow> table() {
    List<ChaosRow> rows = new ArrayList<>();
    for (Adapter a : List.of(Adapter.OPENAI_CHAT, Adapter.ANTHROPIC)) {
      eventStream(rows, a);
      whole(rows, a);
    }
    runPodStream(rows);
    whole(rows, Adapter.RUNPOD);
    audio(rows, Adapter.ELEVENLABS);
    audio(rows, Adapter.OPENAI_SPEECH);
    whole(rows, Adapter.OPENAI_TRANSCRIPTION);
    TranscriptionChaosRows.runPodWhisper(rows);
    TranscriptionChaosRows.openRouter(rows);
    return rows;
  }

  /** Faults every call of an adapter can meet, before its answer gives the client anything: a failover. */
  private static void beforeContent(List<ChaosRow> rows, Adapter a, boolean stream) {
    rows.add(new ChaosRow(a, stream, "reset before headers", Fault.resetBeforeHeaders(), FAILOVER, true));
    rows.add(new ChaosRow(a, stream, "reset after headers", Fault.resetAfterHeaders(), FAILOVER, true));
    rows.add(new ChaosRow(a, stream, "503 from the gateway", Fault.status(503), FAILOVER, true));
    rows.add(new ChaosRow(a, stream, "first byte after the timeout", Fault.slowFirstByte(ChaosConf.LATE_MS), FAILOVER, true));
    rows.add(new ChaosRow(a, stream, "an HTML page with 200", Fault.wrongContentType(), FAILOVER, true));
    rows.add(new ChaosRow(a, stream, "a trickling body", Fault.trickle(ChaosConf.TRICKLE_BYTES, ChaosConf.TRICKLE_EVERY_MS), SERVED, false));
  }

  static void whole(List<ChaosRow> rows, Adapter a) {
    beforeContent(rows, a, false);
    rows.add(new ChaosRow(a, false, "reset mid-body", Fault.resetMidBody(), FAILOVER, true));
    rows.add(new ChaosRow(a, false, "malformed JSON", Fault.malformedJson(), FAILOVER, true));
    rows.add(new ChaosRow(a, false, "a body that never ends", Fault.neverEnds(ChaosConf.KEEP_ALIVE_MS), FAILOVER, true));
  }

  private static void eventStream(List<ChaosRow> rows, Adapter a) {
    beforeContent(rows, a, true);
    rows.add(new ChaosRow(a, true, "reset after the first event", Fault.resetAfterFirstEvent(), FAILOVER, true));
    rows.add(new ChaosRow(a, true, "malformed JSON in the first event", Fault.malformedJson(), FAILOVER, true));
    rows.add(new ChaosRow(a, true, "reset mid-stream", Fault.resetMidBody(), CUT, true));
    rows.add(new ChaosRow(a, true, "SSE without its last event", Fault.withoutLastEvent(), CUT, true));
    rows.add(new ChaosRow(a, true, "a stream that never ends", Fault.neverEnds(ChaosConf.KEEP_ALIVE_MS), CUT, true));
  }

  /** A RunPod stream is a job: faults on every call meet /run first; the cut rows hit the second /stream poll. */
  private static void runPodStream(List<ChaosRow> rows) {
    Adapter a = Adapter.RUNPOD;
    beforeContent(rows, a, true);
    rows.add(new ChaosRow(a, true, "/run cut mid-body", Fault.resetMidBody(), FAILOVER, true));
    rows.add(new ChaosRow(a, true, "malformed JSON from /run", Fault.malformedJson(), FAILOVER, true));
    rows.add(new ChaosRow(a, true, "/run never ends", Fault.neverEnds(ChaosConf.KEEP_ALIVE_MS), FAILOVER, true));
    rows.add(new ChaosRow(a, true, "reset of the second /stream poll", Fault.resetBeforeHeaders().on("/stream/").after(1), CUT, true));
    rows.add(new ChaosRow(a, true, "the second /stream poll never ends", Fault.neverEnds(ChaosConf.KEEP_ALIVE_MS).on("/stream/").after(1),
      CUT, true));
  }

  private static void audio(List<ChaosRow> rows, Adapter a) {
    beforeContent(rows, a, true);
    rows.add(new ChaosRow(a, true, "reset mid-audio", Fault.resetMidBody(), CUT, true));
    rows.add(new ChaosRow(a, true, "audio that never ends", Fault.neverEnds(ChaosConf.KEEP_ALIVE_MS), CUT, true));
  }

  static String faultyId(int row) {
    return "faulty-" + row;
  }

  static String model(ChaosRow row, int index) {
    return "chaos-" + row.adapter().slug() + "-" + index;
  }

  static String healthyId(Adapter a) {
    return "healthy-" + a.slug();
  }

  static String breakerId(Adapter a) {
    return "breaker-" + a.slug();
  }

  static String rowRequestId(int row) {
    return "chaos-row-" + row;
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstreams = new Upstreams(vertx);
    List<ChaosRow> rows = table().stream().filter(r -> r.toString().matches(System.getProperty("chaos.rows", ".*"))).toList();
    JsonArray backends = new JsonArray();
    Map<String, String> env = new java.util.HashMap<>(Upstreams.env());
    Map<Adapter, List<String>> modelsOf = new EnumMap<>(Adapter.class);
    for (int i = 0; i < rows.size(); i++) {
      ChaosRow row = rows.get(i);
      ChaosProxy proxy = await(ChaosProxy.start(vertx, row.adapter().port(upstreams)));
      proxies.put(row, proxy);
      backends.add(row.adapter().backend(faultyId(i), 10, proxy.url(""), List.of(model(row, i)), ChaosConf.faulty()));
      env.putAll(row.adapter().env(faultyId(i), proxy.url("")));
      modelsOf.computeIfAbsent(row.adapter(), k -> new ArrayList<>()).add(model(row, i));
    }
    for (Adapter a : modelsOf.keySet()) {
      ChaosProxy proxy = await(ChaosProxy.start(vertx, a.port(upstreams)));
      breakerProxies.put(a, proxy);
      backends.add(a.backend(breakerId(a), 10, proxy.url(""), List.of(breakerId(a)), ChaosConf.faulty()));
      env.putAll(a.env(breakerId(a), proxy.url("")));
      modelsOf.get(a).add(breakerId(a));
    }
    modelsOf.forEach((a, models) -> models.add(warmUpModel(a)));
    modelsOf.forEach((a, models) -> {
      backends.add(a.backend(healthyId(a), 20, "http://127.0.0.1:" + a.port(upstreams), models, ChaosConf.healthy()));
      env.putAll(a.env(healthyId(a), "http://127.0.0.1:" + a.port(upstreams)));
    });
    ledger = await(Ledger.start(vertx));
    instances = await(Instances.start(vertx));
    // Breakers that one row's failure does not open (each row counts at most one), and that the breaker test's three do.
    node = ChaosNode.start(vertx, ChaosConf.router(3, ChaosConf.BREAKER_RESET_MS), Ledger.conf(), backends, env);
    client = new ChaosClient(vertx, node.port);
    // One request per adapter on its healthy backend first: the rows then do not race a cold JIT and empty pools.
    for (Adapter a : modelsOf.keySet()) {
      Outcome warm = await(a.call(client, warmUpModel(a), true, "warm-up-" + a.slug()));
      assertEquals(200, warm.status(), "warm-up of " + a + ": " + warm);
    }
  }

  static String warmUpModel(Adapter a) {
    return "warm-up-" + a.slug();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      await(client.close());
    }
    proxies.values().forEach(p -> await(p.close()));
    breakerProxies.values().forEach(p -> await(p.close()));
    if (upstreams != null) {
      upstreams.close();
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /**
   * What one row came to: the client's outcome, then the faulty backend's breaker, the usage records of the request,
   * and what was still open once the row settled (null: nothing).
   */
  record Result(Outcome outcome, JsonObject breaker, long cooldownMs, int faulted, List<UsageRecord> records, String leak) {
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> everyAdapterSurvivesEveryFault() {
    List<ChaosRow> rows = List.copyOf(proxies.keySet());
    List<Promise<Result>> results = new ArrayList<>();
    rows.forEach(r -> results.add(Promise.promise()));
    AtomicInteger next = new AtomicInteger();
    Runnable[] startNext = new Runnable[1];
    startNext[0] = () -> {
      int i = next.getAndIncrement();
      if (i < rows.size()) {
        run(rows.get(i), i).onComplete(ar -> {
          results.get(i).handle(ar);
          startNext[0].run();
        });
      }
    };
    for (int k = 0; k < ChaosConf.ROWS_AT_ONCE; k++) {
      startNext[0].run();
    }
    long bound = (long) rows.size() * (ChaosConf.REQUEST_TIMEOUT_MS + ChaosConf.SETTLE_MS) / ChaosConf.ROWS_AT_ONCE + 60_000;
    return java.util.stream.IntStream.range(0, rows.size()).mapToObj(i -> DynamicTest.dynamicTest(rows.get(i).toString(),
      () -> check(rows.get(i), faultyId(i), results.get(i).future().await(bound, TimeUnit.MILLISECONDS))));
  }

  /** One row: the fault injected, the request, then the breaker, the ledger and what was left open. */
  private static Future<Result> run(ChaosRow row, int i) {
    ChaosProxy proxy = proxies.get(row).inject(row.fault());
    String faulty = faultyId(i);
    String rid = rowRequestId(i);
    return row.adapter().call(client, model(row, i), row.stream(), rid)
      .compose(outcome -> node.backend(faulty).compose(b -> settled(proxy, faulty)
        .map(leak -> new Result(outcome, b.getJsonObject("breaker"), b.getLong("cooldown_ms", 0L), proxy.faulted(), ledger.of(rid),
          leak))));
  }

  /**
   * Waits (bounded) until the faulty upstream has no answer open and the faulty backend's heartbeat says it runs and
   * queues nothing; completes with what was still open at the bound, or null. A cut stream is let go of at once, a
   * stream that never ends at the request's deadline; the heartbeat comes every second.
   */
  private static Future<String> settled(ChaosProxy proxy, String backend) {
    return Eventually.until(vertx, "nothing open", ChaosConf.SETTLE_MS, () -> proxy.open() == 0 && instances.busy(backend) == 0)
      .<String>map(v -> null)
      .otherwise(t -> "answers open at the upstream: " + proxy.open() + ", requests on " + backend + ": " + instances.busy(backend));
  }

  private static void check(ChaosRow row, String faulty, Result r) {
    Outcome o = r.outcome();
    String seen = row + ": " + o + " | ledger: " + r.records().stream().map(u -> u.toJson().encode()).toList();
    Buffer answer = row.adapter().answer();
    assertTrue(r.faulted() >= 1, "the fault met a request: " + seen);
    assertEquals(200, o.status(), "the client saw no failure status: " + seen);
    switch (row.expect()) {
      case SERVED -> {
        assertEquals(faulty, o.backend(), "served by the faulty backend: " + seen);
        assertEquals(answer, o.content(), "the whole answer: " + seen);
        assertTrue(o.clean(), "ended cleanly: " + seen);
      }
      case FAILOVER -> {
        assertEquals(healthyId(row.adapter()), o.backend(), "served by the healthy backend: " + seen);
        assertNotNull(o.route());
        assertTrue(o.route().contains(faulty), "the route names the faulty backend: " + seen);
        assertEquals(answer, o.content(), "the whole answer: " + seen);
        assertTrue(o.clean(), "ended cleanly: " + seen);
      }
      case CUT -> {
        assertEquals(faulty, o.backend(), "the faulty backend had started: " + seen);
        assertTrue(o.content().length() > 0, "content reached the client first: " + seen);
        assertTrue(prefixOfEachOther(o.content(), answer), "the content is the answer's, as far as it went: " + seen);
        assertFalse(o.clean(), "a cut stream never ends cleanly: " + seen);
      }
    }
    assertEquals(row.counts() ? 1 : 0, r.breaker().getLong("failures"), "failures the breaker counted: " + r.breaker() + ", " + seen);
    assertEquals("closed", r.breaker().getString("state"), "one failure does not open it: " + r.breaker());
    checkRecord(row, faulty, r.records(), seen);
    if (TranscriptionChaosRows.RATE_LIMITED.equals(row.code())) {
      assertTrue(r.cooldownMs() > TranscriptionChaosRows.RETRY_AFTER_S * 1000 / 2,
        "the backend cools down as its Retry-After said: " + r.cooldownMs() + " ms, " + seen);
    }
    assertNull(r.leak(), "nothing left open: " + seen);
  }

  /** The one usage record the ledger got: who served (or failed) and the status the client was given. */
  private static void checkRecord(ChaosRow row, String faulty, List<UsageRecord> records, String seen) {
    assertEquals(1, records.size(), "one usage record: " + records + ", " + seen);
    UsageRecord u = records.get(0);
    String said = "record " + u.toJson().encode() + " of " + seen;
    switch (row.expect()) {
      case SERVED -> {
        assertEquals(faulty, u.backend(), said);
        assertEquals(200, u.status(), said);
      }
      case FAILOVER -> {
        assertEquals(healthyId(row.adapter()), u.backend(), said);
        assertEquals(200, u.status(), said);
        assertTrue(u.route() != null && u.route().skipped().stream().anyMatch(k -> k.backend().equals(faulty)),
          "the record's route says the faulty backend was tried: " + said);
        if (row.code() != null) {
          assertTrue(u.route().skipped().stream().anyMatch(k -> k.backend().equals(faulty) && k.reason().startsWith(row.code() + ":")),
            "the faulty backend failed with " + row.code() + ": " + said);
        }
      }
      case CUT -> {
        assertEquals(faulty, u.backend(), said);
        assertTrue(u.failed(), "a cut stream is recorded as failed: " + said);
        assertNotNull(u.errorCode(), said);
      }
    }
  }

  /**
   * Per adapter at once: three failures in a row (a gateway 503 each, every one failed over) open the breaker; while
   * open, the backend is skipped without a call upstream; once the upstream is healed and the reset time has passed, a
   * trial request is served by it and the breaker closes again.
   */
  @Test
  @Order(2)
  void breakersOpenAndCloseAgain() throws Exception {
    List<Future<Void>> cycles = new ArrayList<>();
    breakerProxies.forEach((a, proxy) -> cycles.add(breakerCycle(a, proxy)));
    for (Future<Void> cycle : cycles) {
      cycle.await(ChaosConf.REQUEST_TIMEOUT_MS * 4, TimeUnit.MILLISECONDS);
    }
  }

  private Future<Void> breakerCycle(Adapter a, ChaosProxy proxy) {
    String id = breakerId(a);
    proxy.inject(Fault.status(503));
    Future<Void> chain = Future.succeededFuture();
    for (int n = 0; n < 3; n++) {
      String rid = "breaker-" + a.slug() + "-" + n;
      chain = chain.compose(v -> a.call(client, id, true, rid)).map(o -> {
        assertEquals(healthyId(a), o.backend(), "failed over: " + o);
        assertTrue(o.clean(), "and answered whole: " + o);
        return null;
      });
    }
    return chain
      .compose(v -> node.breaker(id)).map(b -> {
        assertEquals("open", b.getString("state"), "three failures opened the breaker of " + id + ": " + b);
        assertEquals(3, proxy.faulted());
        return null;
      })
      .compose(v -> a.call(client, id, true, "breaker-" + a.slug() + "-open")).map(o -> {
        assertEquals(healthyId(a), o.backend(), "served by the healthy backend: " + o);
        assertTrue(o.route().contains(id), "the route says why " + id + " was skipped: " + o);
        assertEquals(3, proxy.faulted(), "an open breaker sends nothing upstream");
        proxy.heal();
        return null;
      })
      .compose(v -> Eventually.until(vertx, id + " serving again", ChaosConf.BREAKER_RESET_MS * 10,
        () -> a.call(client, id, true, "breaker-" + a.slug() + "-trial"), o -> id.equals(o.backend())))
      .compose(o -> {
        assertTrue(o.clean(), "the trial was answered whole: " + o);
        return node.breaker(id);
      })
      .map(b -> {
        assertEquals("closed", b.getString("state"), "a served trial closed the breaker of " + id + ": " + b);
        return null;
      });
  }

  /** After everything: no answer open at any upstream, no request running or queued on any backend. */
  @Test
  @Order(3)
  void nothingIsLeftOpen() throws Exception {
    List<String> backendIds = new ArrayList<>();
    for (int i = 0; i < proxies.size(); i++) {
      backendIds.add(faultyId(i));
    }
    breakerProxies.keySet().forEach(a -> {
      backendIds.add(breakerId(a));
      backendIds.add(healthyId(a));
    });
    List<ChaosProxy> all = new ArrayList<>(proxies.values());
    all.addAll(breakerProxies.values());
    Eventually.until(vertx, "every upstream answer closed and every backend idle", ChaosConf.SETTLE_MS,
        () -> all.stream().allMatch(p -> p.open() == 0) && backendIds.stream().allMatch(id -> instances.busy(id) == 0))
      .await(ChaosConf.SETTLE_MS + 5_000, TimeUnit.MILLISECONDS);
  }

  private static boolean prefixOfEachOther(Buffer a, Buffer b) {
    int n = Math.min(a.length(), b.length());
    return a.getBuffer(0, n).equals(b.getBuffer(0, n));
  }
}
