package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event-bus TLS between nodes. A router node and a backend node (separate JVMs) run with certificates of the
 * cluster CA; members inside this JVM join the same Hazelcast cluster with the right certificate, with one from
 * another CA, and with no TLS at all. What is asserted:
 * <ul>
 *   <li>right certificate: requests flow router → backend → upstream, and a member receives the registry
 *       heartbeats, gets the registry view, and can announce a backend that the router then lists;</li>
 *   <li>wrong certificate, or none: the member does join the Hazelcast membership (open-source Hazelcast has no
 *       TLS), but over the event bus it receives no heartbeat, gets no answer, and what it announces never
 *       reaches the router.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTlsTest {

  static final long HEARTBEAT_MS = 300;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  private FakeOpenAiServer fake;
  private TestCluster cluster;
  private TestCerts certs;
  private final List<MeshProcess> nodes = new ArrayList<>();
  private final List<Vertx> members = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private int routerPort;

  @BeforeAll
  void start() throws Exception {
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    fake.setDefault(Behaviour.reply("over TLS"));
    cluster = new TestCluster(MeshProcess.projectDir().resolve("mesh-app/target/cluster-tls"));
    certs = new TestCerts(cluster.dir.resolve("certs"));
    certs.ca("cluster-ca");
    certs.ca("other-ca");
    nodes.add(node("router", "router", null));
    nodes.add(node("backend", "backend", "chat"));
    for (MeshProcess p : nodes) {
      p.awaitUp(ClusterFailoverTest.START_MS);
    }
    routerPort = nodes.get(0).httpPort();
  }

  @AfterAll
  void stop() throws Exception {
    TestCluster.stop(nodes, null, members.toArray(Vertx[]::new));
  }

  private MeshProcess node(String name, String role, String backends) throws Exception {
    JsonObject conf = new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      // Not tighter: on a loaded two-core machine a node JVM can stall for seconds; what is tested here is TLS, not timing.
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 6000))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", HEARTBEAT_MS))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "chat").put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "private").put("priority", 10).put("models", new JsonArray().add("gpt-4o-mini"))
        .put("aliases", new JsonObject())));
    Map<String, String> env = new HashMap<>(certs.node(name, "cluster-ca"));
    env.put("FAKE_KEY", "sk-fake-tls-test");
    return cluster.node(name, role, backends, cluster.conf(name + ".yaml", conf), env);
  }

  private Vertx member(Map<String, String> tls) throws Exception {
    Vertx m = cluster.member(tls);
    members.add(m);
    return m;
  }

  /** What each of two members hears on the registry address. */
  record Heard(List<JsonObject> trusted, List<JsonObject> other) {
  }

  /**
   * Listens with a trusted member and {@code other} at once until the trusted one has heard {@code beats} heartbeats
   * (within 60 s: the TLS connection to a new member can take seconds to open on a loaded machine), and returns what
   * each heard meanwhile. A window measured in heartbeats heard, not in milliseconds, so that "the other heard nothing"
   * means nothing reached it while the heartbeats flowed.
   */
  private static Heard listen(Vertx trusted, Vertx other, int beats) throws Exception {
    List<JsonObject> heardTrusted = new CopyOnWriteArrayList<>();
    List<JsonObject> heardOther = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> a = trusted.eventBus().consumer(Addresses.REGISTRY, m -> heardTrusted.add(m.body()));
    MessageConsumer<JsonObject> b = other == trusted ? null : other.eventBus().consumer(Addresses.REGISTRY, m -> heardOther.add(m.body()));
    a.completion().await(10, TimeUnit.SECONDS);
    if (b != null) {
      b.completion().await(10, TimeUnit.SECONDS);
    }
    Eventually.until(trusted, beats + " heartbeats heard by the trusted member", 60_000,
      () -> heardTrusted.size() >= beats).await(65, TimeUnit.SECONDS);
    a.unregister().await(10, TimeUnit.SECONDS);
    if (b != null) {
      b.unregister().await(10, TimeUnit.SECONDS);
    }
    return new Heard(heardTrusted, heardOther);
  }

  private static JsonObject announcement(String id, String model) {
    return new JsonObject().put("id", id).put("instance_id", id + "@1").put("type", "openai-compatible")
      .put("capabilities", new JsonArray().add("chat")).put("models", new JsonArray().add(model))
      .put("aliases", new JsonObject()).put("privacy", "private").put("priority", 1).put("prices", new JsonObject())
      .put("concurrency", 4).put("health", new JsonObject().put("status", "up")).put("leaving", false);
  }

  private String models() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + "/v1/models")).build(),
      HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Announces {@code id} every heartbeat for up to {@code ms}, and says whether the router listed its model meanwhile. */
  private boolean announceAndLook(Vertx member, String id, String model, long ms) throws Exception {
    long end = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < end) {
      member.eventBus().publish(Addresses.REGISTRY, announcement(id, model));
      if (models().contains(model)) {
        return true;
      }
      Thread.sleep(HEARTBEAT_MS); // the scenario: one announcement per heartbeat, as a backend would
    }
    return false;
  }

  private static int hazelcastMembers(Vertx member) {
    return ((VertxInternal) member).clusterManager().getNodes().size();
  }

  @Test
  void theRightCertificateTalksAndAWrongOneOrNoneCannot() throws Exception {
    // right certificate: a request crosses router → backend over TLS
    HttpResponse<String> res = null;
    long end = System.currentTimeMillis() + 60_000; // the router lists the backend within a heartbeat; a loaded machine is slow
    while ((res == null || res.statusCode() != 200) && System.currentTimeMillis() < end) {
      Thread.sleep(100);
      res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + "/v1/chat/completions"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "gpt-4o-mini")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    }
    assertEquals(200, res.statusCode(), res.body());
    assertTrue(res.body().contains("over TLS"), res.body());
    assertTrue(fake.requestCount() > 0);

    Vertx good = member(certs.node("good-member", "cluster-ca"));
    assertFalse(listen(good, good, 3).trusted().isEmpty(), "a member with the cluster's certificate hears the heartbeats");
    assertEquals(Map.of("chat", 1), TestCluster.instances(good));
    assertTrue(announceAndLook(good, "good-announced", "good-model", 60_000), "what a trusted member announces reaches the router");

    for (Map<String, String> bad : List.of(certs.node("rogue-member", "other-ca"), Map.<String, String>of())) {
      String what = bad.isEmpty() ? "a member without TLS" : "a member whose certificate another CA signed";
      Vertx rogue = member(bad);
      Eventually.until(good, "the membership as both members see it", 60_000,
        () -> hazelcastMembers(good) == hazelcastMembers(rogue)).await(65, TimeUnit.SECONDS);
      assertEquals(hazelcastMembers(good), hazelcastMembers(rogue), what + " is in the Hazelcast membership (no TLS there)");
      assertTrue(hazelcastMembers(rogue) >= 4, "router, backend, the good member and this one");
      Heard heard = listen(good, rogue, 6);
      assertEquals(List.of(), heard.other(), what + " hears no event-bus message while the trusted member heard " + heard.trusted().size());
      assertThrows(RuntimeException.class, () -> TestCluster.instances(rogue), what + " gets no answer");
      assertFalse(announceAndLook(rogue, "rogue-announced", "rogue-model", 3000), what + " cannot reach the router");
      assertFalse(listen(good, good, 3).trusted().isEmpty(), "the trusted members go on talking meanwhile");
    }
  }
}
