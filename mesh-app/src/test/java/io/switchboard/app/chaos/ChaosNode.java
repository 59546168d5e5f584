package io.switchboard.app.chaos;

import io.switchboard.api.Addresses;
import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.router.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One whole node in this JVM, deployed by {@link MeshNode#deploy} as {@code ./mesh run} deploys one (router, web
 * verticle, every backend of the conf) from a conf the test builds, on 127.0.0.1 and a free port; ready once every
 * backend has started and the router sees them all.
 */
final class ChaosNode {

  final Vertx vertx;
  final int port;

  private ChaosNode(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  static ChaosNode start(Vertx vertx, JsonObject router, JsonObject usage, JsonArray backends, Map<String, String> env)
    throws Exception {
    JsonObject config = new JsonObject()
      .put("router", router)
      .put("usage", usage)
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 1000).put("max_queue", 256))
      .put("backends", backends);
    NodeOptions options = new NodeOptions("all", Set.of(), false, Path.of("conf"), null, env, false);
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(120, TimeUnit.SECONDS);
    for (BackendDeployer.Outcome o : started.backends()) {
      assertTrue(o.started(), "backend " + o.id() + " did not start: " + o.reason());
    }
    ChaosNode node = new ChaosNode(vertx, started.httpPort());
    Eventually.until(vertx, backends.size() + " live backends", 60_000, node::status,
      status -> status.getJsonArray("backends").stream().map(b -> (JsonObject) b)
        .filter(b -> b.getBoolean("live", false)).count() >= backends.size())
      .await(70, TimeUnit.SECONDS);
    return node;
  }

  /** The router's status of every backend (as {@code GET /api/v1/providers/status} shows it). */
  Future<JsonObject> status() {
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status"))
      .map(reply -> reply.body());
  }

  /** The breaker of one backend: {@code {"state": "closed|open|half_open", "failures": n}}. */
  Future<JsonObject> breaker(String backendId) {
    return backend(backendId).map(b -> b.getJsonObject("breaker"));
  }

  /** The router's status of one backend: its breaker, its {@code cooldown_ms}, ... */
  Future<JsonObject> backend(String backendId) {
    return status().map(s -> s.getJsonArray("backends").stream().map(b -> (JsonObject) b)
      .filter(b -> backendId.equals(b.getString("id"))).findFirst()
      .orElseThrow(() -> new AssertionError("the router does not list " + backendId)));
  }
}
