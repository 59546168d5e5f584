package io.switchboard.app;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.switchboard.router.Eventually;
import io.vertx.core.Future;
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
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real cluster on loopback, every node its own JVM joined over Hazelcast TCP-IP: a router node, two nodes of the
 * {@code chat} backend and one of the {@code other} backend, all OpenAI-compatible adapters pointed at one fake
 * OpenAI server in this JVM (each node adds its own {@code X-Node} header, so the fake knows who sent what).
 * Under a steady load from this JVM: a backend node killed (SIGKILL), a new one joining, one stopped (SIGTERM),
 * then a second router and the first one killed. A member inside this JVM reads the routers' registry view.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverTest {

  /** How long after kill() a SIGKILLed node may still be finishing what it was sending. */
  private static final long KILL_TAKES_EFFECT_MS = 1000;

  // Not tighter: on a busy two-core machine a JVM can stall for a second or two.
  static final long HEARTBEAT_MS = 500;
  static final long HEARTBEAT_TIMEOUT_MS = 4000;
  static final long DRAIN_MS = 15_000;
  static final long START_MS = 120_000;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  private FakeOpenAiServer fake;
  private TestCluster cluster;
  private Vertx observer;
  private final Map<String, MeshProcess> nodes = new HashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private int router1Port;

  @BeforeAll
  void startCluster() throws Exception {
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    // Non-streamed answers take 400 ms; streams 400 ms then ten chunks 300 ms apart: plenty in flight at any time.
    fake.setDefault(Behaviour.reply("one two three four five six seven eight nine ten").chunks(10).chunkDelayMs(300).headerDelayMs(1500));
    cluster = new TestCluster(MeshProcess.projectDir().resolve("mesh-app/target/cluster-failover"));
    start("r1", "router", null);
    start("b1", "backend", "chat");
    start("b2", "backend", "chat");
    start("o1", "backend", "other");
    for (MeshProcess p : nodes.values()) {
      p.awaitUp(START_MS);
    }
    router1Port = nodes.get("r1").httpPort();
    observer = cluster.member(Map.of());
    TestCluster.awaitInstances(observer, "chat", 2, 30_000);
    TestCluster.awaitInstances(observer, "other", 1, 30_000);
  }

  @AfterAll
  void stopCluster() throws Exception {
    TestCluster.stop(nodes.values(), null, observer);
  }

  private MeshProcess start(String name, String role, String backends) throws Exception {
    Path conf = cluster.conf(name + ".yaml", nodeConf(name));
    MeshProcess p = cluster.node(name, role, backends, conf, Map.of("FAKE_KEY", "sk-fake-cluster-test"));
    nodes.put(name, p);
    return p;
  }

  private JsonObject nodeConf(String node) {
    return new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("drain_timeout_ms", 10_000))
      // Two router gaps (changes requested in the issue notes), worked around here so the rest can be shown:
      // (1) requests lost with a dead instance count against the whole backend's breaker (5 failures open it for
      // 30 s), so killing one of two chat nodes would shut chat off: the breaker here tolerates them;
      // (2) between Hazelcast dropping the dead node (sub-second) and the registry dropping it (heartbeat timeout),
      // a request sent to its instance address fails at once with "no handlers" and is only retried on the backend
      // after a backoff, maybe on the same dead instance; the 2 default retries are spent before the registry
      // drops it, so here the retries outlast the heartbeat timeout (at least 7.5 s of backoff in all).
      .put("router", new JsonObject().put("heartbeat_timeout_ms", HEARTBEAT_TIMEOUT_MS).put("timeout_ms", 30_000)
        .put("breaker", new JsonObject().put("max_failures", 1000))
        .put("retries", new JsonObject().put("max", 10).put("base_ms", 200).put("max_ms", 2000)))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", HEARTBEAT_MS).put("drain_timeout_ms", DRAIN_MS))
      .put("backends", new JsonArray().add(backend("chat", "gpt-4o-mini", node)).add(backend("other", "other-model", node)))
      // One usage ledger per cluster: r1's; the second router uses it over the bus.
      .put("usage", new JsonObject().put("local_ledger", !node.equals("r2")));
  }

  private JsonObject backend(String id, String model, String node) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat")).put("privacy", "private")
      .put("priority", 10).put("models", new JsonArray().add(model)).put("aliases", new JsonObject())
      .put("headers", new JsonObject().put("X-Node", node))
      .put("timeouts", new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", 10_000));
  }

  /** Request ids each node sent upstream. */
  private Map<String, Set<String>> servedBy() {
    Map<String, Set<String>> out = new HashMap<>();
    for (RecordedRequest r : fake.requests()) {
      if (r.header("X-Node") != null && r.header("x-request-id") != null) {
        out.computeIfAbsent(r.header("X-Node"), k -> new java.util.HashSet<>()).add(r.header("x-request-id"));
      }
    }
    return out;
  }

  private static LoadRun.Plan mixed(int n, int port) {
    // one in four streamed, one in ten for the other backend
    return new LoadRun.Plan(port, n % 10 == 9 ? "other-model" : "gpt-4o-mini", n % 4 == 1);
  }

  private static String failures(List<LoadRun.Outcome> outcomes) {
    return outcomes.stream().filter(o -> !o.ok()).map(LoadRun.Outcome::toString).limit(10).collect(Collectors.joining("\n"));
  }

  @Test
  @Order(1)
  void everyModuleRunsAloneAndTheRegistrySeesEveryInstance() {
    String router = nodes.get("r1").output();
    assertTrue(router.contains("(none in this node)"), "a router-only node starts no backend:\n" + router);
    for (String b : List.of("b1", "b2", "o1")) {
      String out = nodes.get(b).output();
      assertFalse(out.contains("HTTP API"), "a backend-only node opens no HTTP API:\n" + out);
      assertEquals(List.of(b.startsWith("o") ? "up other" : "up chat"), reportedBackends(out), "only the backend named starts:\n" + out);
    }
    assertEquals(Map.of("chat", 2, "other", 1), TestCluster.instances(observer));
  }

  @Test
  @Order(2)
  void sigkillOfABackendNode() throws Exception {
    LoadRun load = LoadRun.start(vertx, "kill", 20, 30_000, n -> mixed(n, router1Port));
    // Load until both chat nodes have served (the bus spreads requests over them; a loaded machine is slow to warm up).
    Eventually.until(vertx, "both chat nodes serving", 60_000, () -> !servedBy().getOrDefault("b1", Set.of()).isEmpty()
      && !servedBy().getOrDefault("b2", Set.of()).isEmpty()).await(65, TimeUnit.SECONDS);
    // Kill while b1 is mid-way through work of both kinds: a stream of its delivering to its client (first chunks
    // there, end not), and a non-streamed request just handed to the upstream (which answers 1.5 s later: room for a loaded machine to land the kill).
    String delivering = awaitInFlight(load, "b1", 60_000);
    long killedAt = System.currentTimeMillis();
    nodes.get("b1").kill();
    long droppedAt = TestCluster.awaitInstances(observer, "chat", 1, 30_000);
    Thread.sleep(3000); // the scenario: three more seconds of load once the registry dropped b1
    load.stop();
    load.finished().await(60, TimeUnit.SECONDS);
    List<LoadRun.Outcome> all = load.outcomes();
    Map<String, Set<String>> served = servedBy();
    Set<String> onB1 = served.getOrDefault("b1", Set.of());
    Set<String> onB2 = served.getOrDefault("b2", Set.of());

    long dropMs = droppedAt - killedAt;
    // The router's own account of the drop: how long the instance had been silent, and how late its sweep ran (its own
    // stall on a loaded machine, which it does not count against a backend). Silence is measured from the last
    // heartbeat, which came at most one heartbeat period before the kill.
    java.util.regex.Matcher drop = java.util.regex.Pattern.compile("dropped: silent for (\\d+) ms \\(timeout \\d+ ms, this router's own stall (\\d+) ms\\)")
      .matcher(nodes.get("r1").output());
    assertTrue(drop.find(), "the router logged the drop:\n" + nodes.get("r1").output());
    long silentMs = Long.parseLong(drop.group(1));
    long stallMs = Long.parseLong(drop.group(2));
    System.out.printf("SIGKILL: registry dropped the node %d ms after the kill, silent for %d ms (heartbeat timeout %d ms, router stall %d ms)%n",
      dropMs, silentMs, HEARTBEAT_TIMEOUT_MS, stallMs);
    assertTrue(silentMs > HEARTBEAT_TIMEOUT_MS, "never dropped before the timeout: " + silentMs);
    // The sweep runs every timeout/4: dropped within one sweep period of the timeout, plus the router's own stall (late
    // sweeps), plus 200 ms for the timer's precision.
    assertTrue(silentMs <= HEARTBEAT_TIMEOUT_MS + HEARTBEAT_TIMEOUT_MS / 4 + stallMs + 200, "dropped after " + silentMs + " ms of silence");
    assertTrue(all.stream().anyMatch(o -> o.requestId().equals(delivering)), "the stream delivering at the kill is among the outcomes");

    List<LoadRun.Outcome> plain = all.stream().filter(o -> !o.stream()).toList();
    assertTrue(plain.size() > 20, "load ran: " + plain.size());
    assertEquals("", failures(plain), "no non-streamed request fails");
    List<LoadRun.Outcome> inFlightOnB1 = all.stream()
      .filter(o -> onB1.contains(o.requestId()) && o.startedMs() < killedAt && o.endedMs() > killedAt).toList();
    // The upstream calls the kill cut (b1's connection to the upstream closed before the answer): the non-streamed ones
    // were answered whole by b2, and there was at least one.
    Set<String> cut = fake.requests().stream().filter(r -> "b1".equals(r.header("X-Node")) && r.body() != null
      && !r.body().getBoolean("stream", false) && r.closedEarly().isComplete()).map(r -> r.header("x-request-id")).collect(Collectors.toSet());
    assertFalse(cut.isEmpty(), "a non-streamed call of b1 was under way upstream at the kill");
    for (String rid : cut) {
      LoadRun.Outcome o = all.stream().filter(x -> x.requestId().equals(rid)).findFirst().orElseThrow();
      assertTrue(o.ok() && onB2.contains(rid), "a non-streamed request cut on b1 was answered by b2: " + o);
    }
    for (LoadRun.Outcome o : all.stream().filter(LoadRun.Outcome::stream).toList()) {
      boolean wasOnB1 = inFlightOnB1.contains(o);
      assertTrue(o.ok() || wasOnB1 && o.streamEndedWithError(), "a stream either completes or, cut by the kill, ends with an error event: " + o);
      // kill() returns before the process is gone: a stream that finished in the next moments finished on a live node.
      if (o.ok() && wasOnB1 && o.endedMs() - killedAt > KILL_TAKES_EFFECT_MS) {
        assertTrue(onB2.contains(o.requestId()), "a stream completed after the kill only by moving before its first token: " + o);
      }
    }
    assertTrue(inFlightOnB1.stream().anyMatch(LoadRun.Outcome::streamEndedWithError),
      "a stream already started on b1 ended with an error event: " + inFlightOnB1.stream()
        .map(o -> o.requestId() + (o.stream() ? " stream" : "") + " started " + (o.startedMs() - killedAt) + " ended " + (o.endedMs() - killedAt)
          + " ok " + o.ok() + " on b2 " + onB2.contains(o.requestId())).toList());
    assertFalse(served.getOrDefault("o1", Set.of()).isEmpty(), "the other backend's node served its model");
  }

  @Test
  @Order(3)
  void aNewNodeTakesAShareAndSigtermDrainsWithNoFailure() throws Exception {
    int before = TestCluster.instances(observer).getOrDefault("chat", 0);
    MeshProcess b3 = start("b3", "backend", "chat");
    LoadRun load = LoadRun.start(vertx, "join", 20, 120_000, n -> mixed(n, router1Port));
    long joinedAt = TestCluster.awaitInstances(observer, "chat", before + 1, START_MS);
    long firstServedAt = awaitServed("b3", 60_000);
    System.out.printf("join: b3 in the registry %d ms and served its first request %d ms after its process started%n",
      joinedAt - b3.startedAtMs, firstServedAt - b3.startedAtMs);
    Thread.sleep(4000); // the scenario: four seconds of load with b3 in, before b2 leaves
    long termAt = System.currentTimeMillis();
    MeshProcess b2 = nodes.get("b2");
    b2.terminate();
    int exit = b2.awaitExit(DRAIN_MS + 20_000);
    long exitedAt = System.currentTimeMillis();
    System.out.printf("SIGTERM: b2 left and exited (code %d) %d ms after the signal%n", exit, exitedAt - termAt);
    Thread.sleep(2000); // the scenario: two more seconds of load once b2 is gone
    load.stop();
    load.finished().await(60, TimeUnit.SECONDS);

    List<LoadRun.Outcome> all = load.outcomes();
    Map<String, Set<String>> served = servedBy();
    assertEquals("", failures(all), "no request fails while a node joins and another drains");
    List<LoadRun.Outcome> window = all.stream()
      .filter(o -> o.model().equals("gpt-4o-mini") && o.startedMs() >= firstServedAt && o.startedMs() < termAt).toList();
    long onB3 = window.stream().filter(o -> served.getOrDefault("b3", Set.of()).contains(o.requestId())).count();
    System.out.printf("join: b3 served %d of %d chat requests between its first one and b2's SIGTERM%n", onB3, window.size());
    assertTrue(window.size() > 20 && onB3 >= window.size() / 4, "b3 took a share: " + onB3 + " of " + window.size());
    long drained = all.stream().filter(o -> served.getOrDefault("b2", Set.of()).contains(o.requestId())
      && o.startedMs() < termAt && o.endedMs() > termAt).count();
    assertTrue(drained > 0, "requests were in flight on b2 at SIGTERM and finished");
    String out = b2.output();
    assertTrue(out.indexOf("leave the registry and drain") < out.indexOf("closing and leaving the cluster")
      && out.contains("leave the registry and drain"), "drain, then leave:\n" + out);
    TestCluster.awaitInstances(observer, "chat", before, 30_000);
  }

  @Test
  @Order(4)
  void aRouterReplicaDiesAndTheOtherOnesClientsAreUnaffected() throws Exception {
    MeshProcess r2 = start("r2", "router", null);
    r2.awaitUp(START_MS);
    int router2Port = r2.httpPort();
    TestCluster.awaitReady(http, router2Port, 2, 30_000);
    LoadRun load = LoadRun.start(vertx, "routers", 20, 9000, n -> mixed(n, n % 2 == 0 ? router1Port : router2Port));
    Thread.sleep(3000); // the scenario: three seconds of load on both routers before one dies
    long killedAt = System.currentTimeMillis();
    nodes.get("r1").kill();
    load.finished().await(60, TimeUnit.SECONDS);
    List<LoadRun.Outcome> all = load.outcomes();
    List<LoadRun.Outcome> viaR2 = all.stream().filter(o -> o.port() == router2Port).toList();
    List<LoadRun.Outcome> viaR1AfterKill = all.stream().filter(o -> o.port() == router1Port && o.startedMs() > killedAt + 200).toList();
    assertTrue(viaR2.size() > 50, "load ran through r2: " + viaR2.size());
    assertEquals("", failures(viaR2), "clients of the surviving router see no failure");
    assertTrue(!viaR1AfterKill.isEmpty() && viaR1AfterKill.stream().noneMatch(LoadRun.Outcome::ok), "r1 really died");
    assertTrue(viaR2.stream().anyMatch(o -> o.startedMs() > killedAt && o.ok()), "r2 served after r1 died");
  }

  @Test
  @Order(5)
  void aRouterStoppedWithSigtermFinishesItsStreamsThenLeaves() throws Exception {
    MeshProcess r2 = nodes.get("r2");
    int port = r2.httpPort();
    LoadRun streams = LoadRun.start(vertx, "router-term", 4, 1500, n -> new LoadRun.Plan(port, "gpt-4o-mini", true));
    Thread.sleep(1600); // the scenario: the signal comes 1.6 s into streams that take 4.5 s
    // every stream is still running (each takes about 4.5 s) when the signal comes
    long termAt = System.currentTimeMillis();
    r2.terminate();
    streams.finished().await(30, TimeUnit.SECONDS);
    int exit = r2.awaitExit(40_000);
    List<LoadRun.Outcome> all = streams.outcomes();
    assertFalse(all.isEmpty());
    assertEquals("", failures(all), "every stream open at SIGTERM finished whole");
    assertTrue(all.stream().anyMatch(o -> o.endedMs() > termAt + 500), "streams were still open when the signal came");
    assertEquals(143, exit, "exited on the signal after its hooks ran");
    String out = r2.output();
    assertTrue(out.indexOf("HTTP closes to new connections") < out.indexOf("closing and leaving the cluster")
      && out.contains("HTTP closes to new connections"), out);
  }

  /** The backend lines of a node's start-up report, as "up id" / "off id". */
  private static List<String> reportedBackends(String output) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^ {4}(up|off) +(\\S+) ").matcher(output);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1) + " " + m.group(2));
    }
    return out;
  }

  /**
   * Waits until {@code node} has both a stream delivering to its client (its first bytes arrived there and its end has
   * not) and a non-streamed request the upstream received less than 100 ms ago (its answer is 1.4 s away), and returns
   * the stream's request id: a kill then lands in the middle of both, however slow the machine.
   */
  private String awaitInFlight(LoadRun load, String node, long timeoutMs) throws Exception {
    String[] found = new String[1];
    Eventually.until(vertx, "a stream from " + node + " delivering and a call of it just sent upstream", timeoutMs, () -> {
      Set<String> receiving = load.receiving();
      List<RecordedRequest> fromNode = fake.requests().stream().filter(r -> node.equals(r.header("X-Node")) && r.body() != null).toList();
      String stream = fromNode.stream().filter(r -> r.body().getBoolean("stream", false)).map(r -> r.header("x-request-id"))
        .filter(receiving::contains).findFirst().orElse(null);
      long now = System.currentTimeMillis();
      boolean justSent = fromNode.stream().anyMatch(r -> !r.body().getBoolean("stream", false) && now - r.receivedAtMs() < 100);
      found[0] = stream;
      return stream != null && justSent;
    }).await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
    return found[0];
  }

  private long awaitServed(String node, long timeoutMs) throws Exception {
    Eventually.until(vertx, node + " serving a request", timeoutMs, () -> !servedBy().getOrDefault(node, Set.of()).isEmpty())
      .recover(e -> Future.failedFuture(new AssertionError(node + " served nothing in " + timeoutMs + " ms:\n" + nodes.get(node).output())))
      .await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
    return System.currentTimeMillis();
  }
}
