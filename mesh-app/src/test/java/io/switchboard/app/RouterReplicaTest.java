package io.switchboard.app;

import io.switchboard.app.usage.UsageApi;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Router replicas on loopback, every node its own JVM joined over Hazelcast: three router nodes, each with its own
 * usage ledger (its own {@code usage.data_dir}, durable answers), and one chat backend node, against one fake OpenAI
 * server in this JVM. (1) Bus callers (a cluster member in this JVM, no HTTP) keep requests in flight on every router;
 * r3 gets SIGTERM: what it has in flight finishes, the rest go to the other routers. (2) HTTP clients on r1 and r2;
 * r1 gets SIGKILL: r2's clients see nothing of it. (3) Every request that got its whole answer, from any router, has
 * exactly one usage record, in the ledger of the router that answered it: each ledger is read as the product reads
 * it, by a node started on its data folder (the journal is replayed into the store) and its CSV export.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterReplicaTest {

  static final String ADMIN = "replica-admin-token";
  static final long START_MS = 120_000;
  static final long DRAIN_MS = 15_000;
  static final List<String> ROUTERS = List.of("r1", "r2", "r3");

  private Vertx vertx;
  private FakeOpenAiServer fake;
  private TestCluster cluster;
  private Path runDir;
  private Vertx observer;
  private final Map<String, MeshProcess> nodes = new HashMap<>();
  private final Map<String, Path> confs = new HashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  // What the clients saw, checked against the ledgers by the last test.
  private List<BusLoadRun.Outcome> bus = List.of();
  private long termAt;
  private List<LoadRun.Outcome> viaHttp = List.of();
  private int r1Port;
  private int r2Port;

  @BeforeAll
  void startCluster() throws Exception {
    vertx = Vertx.vertx();
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    // Whole answers after 400 ms; streams 400 ms then ten chunks 300 ms apart: plenty in flight at any time.
    fake.setDefault(Behaviour.reply("one two three four five six seven eight nine ten").chunks(10).chunkDelayMs(300).headerDelayMs(400));
    cluster = new TestCluster(MeshProcess.projectDir().resolve("mesh-app/target/router-replica"));
    runDir = cluster.dir.resolve(cluster.name);
    for (String r : ROUTERS) {
      start(r, "router", null);
    }
    start("b1", "backend", "chat");
    for (MeshProcess p : nodes.values()) {
      p.awaitUp(START_MS);
    }
    r1Port = nodes.get("r1").httpPort();
    r2Port = nodes.get("r2").httpPort();
    observer = cluster.member(Map.of());
    for (String r : ROUTERS) {
      TestCluster.awaitReady(http, nodes.get(r).httpPort(), 0, 60_000);
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    TestCluster.stop(nodes.values(), vertx, observer);
  }

  private MeshProcess start(String name, String role, String backends) throws Exception {
    Path conf = cluster.conf("replica-" + name + ".yaml", nodeConf(name));
    confs.put(name, conf);
    MeshProcess p = cluster.node("replica-" + name, role, backends, conf, Map.of("FAKE_KEY", "sk-fake-replica-test"));
    nodes.put(name, p);
    return p;
  }

  private JsonObject nodeConf(String node) {
    return new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("drain_timeout_ms", DRAIN_MS).put("admin_token", ADMIN))
      .put("reload", new JsonObject().put("scan_period_ms", 0))
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 4000).put("timeout_ms", 30_000))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500).put("drain_timeout_ms", DRAIN_MS))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "chat").put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "private").put("priority", 10).put("models", new JsonArray().add("gpt-4o-mini"))
        .put("aliases", new JsonObject()).put("headers", new JsonObject().put("X-Node", node))))
      // Each router its own ledger. Durable answers (the default): a request is answered once its record is fsynced;
      // the wait for that is generous here so that a stalled disk on a busy machine does not count a record lost.
      .put("usage", new JsonObject().put("data_dir", runDir.resolve("usage-" + node).toString()).put("durable_answers", true)
        .put("record_timeout_ms", 10_000).put("idle_check_ms", 100));
  }

  @Test
  @Order(1)
  void aRouterStoppedWithSigtermFinishesWhatItsBusCallersHaveInFlight() throws Exception {
    BusLoadRun load = BusLoadRun.start(observer, "bus", 10, 60_000);
    Thread.sleep(4000); // the scenario: four seconds of bus load before the signal
    MeshProcess r3 = nodes.get("r3");
    termAt = System.currentTimeMillis();
    r3.terminate();
    int exit = r3.awaitExit(DRAIN_MS + 30_000);
    long exitedAt = System.currentTimeMillis();
    Thread.sleep(3000); // the scenario: three more seconds of load on the routers left
    load.stop();
    load.finished().await(90, TimeUnit.SECONDS);
    bus = load.outcomes();

    List<String> resent = bus.stream().filter(o -> o.resends() > 0).map(o -> o.requestId() + " sent " + (o.startedMs() - termAt)
      + " ms after the signal, resent " + o.resends() + "x").toList();
    System.out.printf("router SIGTERM: r3 exited (code %d) %d ms after the signal; %d bus requests, resent for want of a first answer: %s%n",
      exit, exitedAt - termAt, bus.size(), resent);
    assertTrue(bus.size() > 50, "the bus load ran: " + bus.size());
    assertEquals("", bus.stream().filter(o -> !o.ok()).map(Object::toString).limit(10).collect(Collectors.joining("\n")),
      "no bus request fails while a router stops");
    assertTrue(bus.stream().anyMatch(o -> o.startedMs() > exitedAt), "bus requests were sent after r3 was gone");
    assertEquals(143, exit, "exited on the signal after its hooks ran");
    String out = r3.output();
    int closed = out.indexOf("the router takes no more requests from other nodes");
    int drained = out.indexOf("the router takes no new requests; those in flight get up to");
    int left = out.indexOf("closing and leaving the cluster");
    assertTrue(closed >= 0 && closed < drained && drained < left, "closed to the cluster, drained, then left:\n" + out);
  }

  @Test
  @Order(2)
  void aRouterKilledUnderLoadLeavesTheOtherRoutersClientsUnaffected() throws Exception {
    // Every other request to each router; one pair in three streamed.
    LoadRun load = LoadRun.start(vertx, "http", 20, 10_000,
      n -> new LoadRun.Plan(n % 2 == 0 ? r1Port : r2Port, "gpt-4o-mini", (n / 2) % 3 == 0));
    Thread.sleep(4000); // the scenario: four seconds of load on both routers before one is killed
    long killedAt = System.currentTimeMillis();
    MeshProcess r1 = nodes.get("r1");
    r1.kill();
    r1.awaitExit(30_000);
    load.finished().await(60, TimeUnit.SECONDS);
    viaHttp = load.outcomes();

    List<LoadRun.Outcome> viaR1 = viaHttp.stream().filter(o -> o.port() == r1Port).toList();
    List<LoadRun.Outcome> viaR2 = viaHttp.stream().filter(o -> o.port() == r2Port).toList();
    System.out.printf("router SIGKILL: r1 answered %d requests whole, %d were cut or refused; r2 served %d%n",
      viaR1.stream().filter(LoadRun.Outcome::ok).count(), viaR1.stream().filter(o -> !o.ok()).count(), viaR2.size());
    assertTrue(viaR2.size() > 50, "load ran through r2: " + viaR2.size());
    assertEquals("", viaR2.stream().filter(o -> !o.ok()).map(LoadRun.Outcome::toString).limit(10).collect(Collectors.joining("\n")),
      "clients of the surviving router see no failure");
    assertTrue(viaR2.stream().anyMatch(o -> o.startedMs() > killedAt && o.ok()), "r2 served after r1 died");
    assertTrue(viaR1.stream().filter(LoadRun.Outcome::ok).count() > 20, "r1 answered requests before it died");
    assertTrue(viaR1.stream().anyMatch(o -> !o.ok() && o.startedMs() < killedAt), "the kill cut requests r1 had in flight");
    List<LoadRun.Outcome> afterKill = viaR1.stream().filter(o -> o.startedMs() > killedAt + 200).toList();
    assertTrue(!afterKill.isEmpty() && afterKill.stream().noneMatch(LoadRun.Outcome::ok), "r1 really died");
  }

  @Test
  @Order(3)
  void everyAnsweredRequestHasExactlyOneRecordInTheLedgerOfTheRouterThatAnsweredIt() throws Exception {
    assertFalse(bus.isEmpty() || viaHttp.isEmpty(), "the two tests before ran");
    // r1 died, r3 stopped; r2 stops too, so that a node may open its ledger.
    MeshProcess r2 = nodes.get("r2");
    r2.terminate();
    r2.awaitExit(DRAIN_MS + 30_000);
    Map<String, MeshProcess> readers = new LinkedHashMap<>();
    for (String r : ROUTERS) {
      MeshProcess reader = MeshProcess.start("replica-read-" + r, List.of("--role", "router", "--conf", confs.get(r).toString()),
        Map.of("FAKE_KEY", "sk-fake-replica-test"));
      nodes.put("read-" + r, reader);
      readers.put(r, reader);
    }
    Map<String, UsageApi> ledgers = new LinkedHashMap<>();
    for (Map.Entry<String, MeshProcess> e : readers.entrySet()) {
      e.getValue().awaitUp(START_MS);
      ledgers.put(e.getKey(), new UsageApi(e.getValue().httpPort(), ADMIN));
    }

    // Exactly the requests whose client got the whole answer: a 200 with the completion, or a stream ending with
    // [DONE]. A killed router answers nothing after its death, so these are all answered before the kill.
    List<String> answeredByR1 = viaHttp.stream().filter(o -> o.port() == r1Port && o.ok()).map(LoadRun.Outcome::requestId).toList();
    List<String> answeredByR2 = viaHttp.stream().filter(o -> o.port() == r2Port && o.ok()).map(LoadRun.Outcome::requestId).toList();
    List<String> answeredOnBus = bus.stream().filter(BusLoadRun.Outcome::ok).map(BusLoadRun.Outcome::requestId).toList();
    Map<String, Map<String, List<Map<String, String>>>> rows = new HashMap<>();
    rows.put("r1", ledgers.get("r1").awaitRecords(answeredByR1, 90_000));
    rows.put("r2", ledgers.get("r2").awaitRecords(answeredByR2, 90_000));
    rows.put("r3", ledgers.get("r3").awaitRecords(List.of(), 30_000));
    long end = System.currentTimeMillis() + 60_000;
    while (!answeredOnBus.stream().allMatch(id -> ROUTERS.stream().anyMatch(r -> rows.get(r).containsKey(id)))
      && System.currentTimeMillis() < end) {
      Thread.sleep(500);
      for (String r : ROUTERS) {
        rows.put(r, ledgers.get(r).awaitRecords(List.of(), 30_000));
      }
    }

    for (String id : answeredByR1) {
      assertOneRecordIn("r1", id, rows);
    }
    for (String id : answeredByR2) {
      assertOneRecordIn("r2", id, rows);
    }
    for (String id : answeredOnBus) {
      List<String> holders = ROUTERS.stream().filter(r -> rows.get(r).containsKey(id)).toList();
      assertEquals(1, holders.size(), id + " is in exactly one ledger: " + holders);
      assertOneRecordIn(holders.get(0), id, rows);
    }
    Set<String> inFlightOnR3 = bus.stream()
      .filter(o -> rows.get("r3").containsKey(o.requestId()) && o.startedMs() < termAt && o.endedMs() > termAt)
      .map(BusLoadRun.Outcome::requestId).collect(Collectors.toSet());
    System.out.printf("ledgers: r1 holds %d records (%d answered over HTTP before the SIGKILL), r2 %d, r3 %d; "
        + "%d bus requests were in flight on r3 at its SIGTERM and finished%n", rows.get("r1").size(), answeredByR1.size(),
      rows.get("r2").size(), rows.get("r3").size(), inFlightOnR3.size());
    assertFalse(inFlightOnR3.isEmpty(), "r3 had bus requests in flight at its SIGTERM (its ledger says which)");
  }

  private static void assertOneRecordIn(String router, String id, Map<String, Map<String, List<Map<String, String>>>> rows) {
    for (String r : ROUTERS) {
      List<Map<String, String>> found = rows.get(r).getOrDefault(id, List.of());
      if (r.equals(router)) {
        assertEquals(1, found.size(), id + ": one record in " + r + "'s ledger: " + found);
        assertEquals("200", found.get(0).get("status"), id + ": " + found.get(0));
      } else {
        assertTrue(found.isEmpty(), id + " answered by " + router + " has no record in " + r + "'s ledger: " + found);
      }
    }
  }
}
