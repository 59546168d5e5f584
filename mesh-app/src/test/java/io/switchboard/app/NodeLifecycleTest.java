package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.Eventually;
import io.switchboard.router.MeshFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How one node starts and stops by role, in one JVM: a router node stops taking connections but finishes the
 * stream it is serving before anything else stops; a backend-only node has no HTTP API but a probe endpoint that
 * turns not-ready while its backend drains the request in flight; a router node's router finishes what bus callers
 * have in flight and takes nothing new before its backends stop; a router-only node starts no backend.
 */
class NodeLifecycleTest {

  private Vertx vertx;
  /** This test's own usage ledger folder: never a journal another run holds. */
  @org.junit.jupiter.api.io.TempDir
  java.nio.file.Path usageDir;
  private Vertx upstream;
  private FakeOpenAiServer fake;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ByteArrayOutputStream stopLog = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = Vertx.vertx();
    fake = FakeOpenAiServer.start(upstream).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    upstream.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject config(int httpPort) {
    return new JsonObject()
      .put("http", new JsonObject().put("port", httpPort).put("host", "127.0.0.1").put("drain_timeout_ms", 10_000))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 200).put("drain_timeout_ms", 10_000))
      .put("usage", new JsonObject().put("data_dir", usageDir.toString()))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "chat").put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "private").put("priority", 10).put("models", new JsonArray().add("gpt-4o-mini")).put("aliases", new JsonObject())));
  }

  private MeshNode.Started deploy(String role, Map<String, String> env, int httpPort) throws Exception {
    NodeOptions options = new NodeOptions(role, Set.of(), false, Path.of("conf"), null, env, false);
    return MeshNode.deploy(vertx, options, config(httpPort)).await(20, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Future<HttpResponse<String>> getLater(int port, String path) {
    return Future.fromCompletionStage(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
      HttpResponse.BodyHandlers.ofString()));
  }

  /** True while something accepts connections on the port (asked on a worker: a connect may block). */
  private Future<Boolean> accepting(int port) {
    return vertx.executeBlocking(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitUpstreamRequests(int n) throws Exception {
    Eventually.until(vertx, "the request at the upstream", 5000, () -> fake.requestCount() >= n).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aRouterNodeFinishesItsStreamBeforeStoppingAndTakesNoNewConnection() throws Exception {
    MeshNode.Started started = deploy("all", Map.of("FAKE_KEY", "sk-test"), 0);
    int port = started.httpPort();
    MeshFixture.awaitLive(vertx, 1);
    fake.enqueue(Behaviour.reply("a b c d e f g h").chunks(8).chunkDelayMs(250));
    String body = new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
    CompletableFuture<HttpResponse<String>> stream = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
      .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    awaitUpstreamRequests(1);

    Future<Void> stopped = started.lifecycle().stop(new PrintStream(stopLog, true));
    Eventually.until(vertx, "the HTTP port closed to new connections", 5000, () -> accepting(port), open -> !open)
      .await(10, TimeUnit.SECONDS);
    HttpResponse<String> res = stream.get(20, TimeUnit.SECONDS);
    assertEquals(200, res.statusCode());
    assertTrue(res.body().endsWith("data: [DONE]\n\n"), "the open stream finished whole: " + res.body());
    stopped.await(30, TimeUnit.SECONDS);
    String log = stopLog.toString();
    assertTrue(log.indexOf("HTTP closes to new connections") < log.indexOf("leave the registry") && log.indexOf("leave the registry") < log.indexOf("leaving the cluster"), log);
    assertTrue(started.lifecycle().draining());
  }

  @Test
  void aRouterNodeFinishesItsBusCallersRequestsAndTakesNoNewOneBeforeItsBackendsStop() throws Exception {
    MeshNode.Started started = deploy("all", Map.of("FAKE_KEY", "sk-test"), 0);
    MeshFixture.awaitLive(vertx, 1);
    fake.enqueue(Behaviour.reply("finished while the router drained").headerDelayMs(1500));
    JsonObject request = new JsonObject().put("model", "gpt-4o-mini")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Future<Message<Object>> inFlight = vertx.eventBus().request(Addresses.CHAT, request,
      new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(20_000));
    awaitUpstreamRequests(1);

    Future<Void> stopped = started.lifecycle().stop(new PrintStream(stopLog, true));
    MeshFixture.awaitNoRouter(vertx, 5000); // once the router drains, a new bus request finds no router
    JsonObject answer = (JsonObject) inFlight.await(20, TimeUnit.SECONDS).body();
    assertEquals("finished while the router drained", answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    stopped.await(30, TimeUnit.SECONDS);
    String log = stopLog.toString();
    assertTrue(log.indexOf("HTTP closes to new connections") < log.indexOf("the router takes no new requests")
      && log.indexOf("the router takes no new requests") < log.indexOf("leave the registry")
      && log.contains("HTTP closes to new connections"), log);
  }

  @Test
  void aBackendNodeHasNoHttpApiButProbesThatTurnNotReadyWhileItDrains() throws Exception {
    int apiPort = freePort();
    MeshNode.Started started = deploy("backend", Map.of("FAKE_KEY", "sk-test", "SWITCHBOARD_HEALTH_PORT", "0",
      "SWITCHBOARD_HEALTH_HOST", "127.0.0.1"), apiPort);
    assertEquals(-1, started.httpPort());
    assertThrows(IOException.class, () -> new Socket("127.0.0.1", apiPort).close(), "no HTTP API on a backend node");
    int health = started.healthPort();
    assertTrue(health > 0);
    assertEquals(200, get(health, "/health/live").statusCode());
    HttpResponse<String> ready = get(health, "/health/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals("chat", new JsonObject(ready.body()).getJsonArray("backends").getJsonObject(0).getString("id"));
    assertEquals(404, get(health, "/v1/models").statusCode());

    fake.enqueue(Behaviour.reply("finished while draining").headerDelayMs(1500));
    JsonObject request = new JsonObject().put("model", "gpt-4o-mini")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Future<Message<Object>> inFlight = vertx.eventBus().request(Addresses.backend("chat"), request,
      BackendVerticle.requestOptions(Headers.OP_CHAT, "req-drain", null, System.currentTimeMillis() + 20_000));
    awaitUpstreamRequests(1);
    Future<Void> stopped = started.lifecycle().stop(new PrintStream(stopLog, true));
    HttpResponse<String> draining = Eventually.until(vertx, "the probe not ready while the node drains", 5000,
      () -> getLater(health, "/health/ready"), res -> res.statusCode() == 503).await(10, TimeUnit.SECONDS);
    assertTrue(new JsonObject(draining.body()).getBoolean("draining"));
    assertFalse(inFlight.isComplete(), "still in flight while draining");
    JsonObject answer = (JsonObject) inFlight.await(10, TimeUnit.SECONDS).body();
    assertEquals("finished while draining", answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    stopped.await(30, TimeUnit.SECONDS);
  }

  @Test
  void aRouterOnlyNodeStartsNoBackendAndNoProbePort() throws Exception {
    MeshNode.Started started = deploy("router", Map.of("FAKE_KEY", "sk-test", "SWITCHBOARD_HEALTH_PORT", "0"), 0);
    assertEquals(java.util.List.of(), started.backends());
    assertEquals(-1, started.healthPort());
    assertTrue(started.httpPort() > 0);
    assertEquals(0, fake.requestCount());
  }

  @Test
  void whatMustNotActOnAStoppingNodeStopsBeforeAnythingDrains() throws Exception {
    // The hot reload registers here: a conf change read while the node drains must not deploy into it.
    MeshNode.Started started = deploy("router", Map.of("FAKE_KEY", "sk-test"), 0);
    int port = started.httpPort();
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    started.lifecycle().onStopping(() -> {
      boolean open;
      try (Socket s = new Socket("127.0.0.1", port)) {
        open = true;
      } catch (IOException e) {
        open = false;
      }
      seen.add("draining " + started.lifecycle().draining() + ", HTTP accepting " + open);
    });
    started.lifecycle().stop(new PrintStream(stopLog)).await(30, TimeUnit.SECONDS);
    assertEquals(java.util.List.of("draining true, HTTP accepting true"), seen);
  }

  @Test
  void theRoutersDrainGetsWhatIsLeftOfTheHttpDrainOnceTheCallsHaveEnded() throws Exception {
    MeshNode.Started started = deploy("all", Map.of("FAKE_KEY", "sk-test"), 0);
    started.lifecycle().calls(60_000); // a node that takes calls; none is open, so the calls' drain ends at once
    started.lifecycle().stop(new PrintStream(stopLog, true)).await(30, TimeUnit.SECONDS);
    String log = stopLog.toString();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("the router takes no new requests; those in flight get up to (\\d+) ms")
      .matcher(log);
    assertTrue(m.find(), log);
    long routerMs = Long.parseLong(m.group(1));
    // http.drain_timeout_ms is 10,000 here: the calls' 60,000 are not added when no call was open
    assertTrue(routerMs <= 10_000 && routerMs > 5_000, "the router's drain: " + routerMs + " ms; " + log);
    assertTrue(log.indexOf("no new calls") < log.indexOf("HTTP closes to new connections"), log);
  }
}
