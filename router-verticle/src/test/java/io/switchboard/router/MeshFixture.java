package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.router.web.WebVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A router, a web verticle on a random port, and scripted backends on one Vert.x, for tests; once the web verticle
 * runs, a {@link #client} of it and the {@link #context} its requests are sent from ({@code OnContext.start}).
 */
public final class MeshFixture {

  public final Vertx vertx;
  public final List<ScriptedChatBackend> backends = new ArrayList<>();
  public WebVerticle web;
  public int port;
  public WebClient client;
  public Context context;

  public MeshFixture(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * The mesh most web tests start from: a router, one cloud backend "alpha" serving m1, the web verticle with
   * {@code webConf}, and the router seeing the backend live.
   */
  public static MeshFixture alphaBehindWeb(Vertx vertx, JsonObject webConf) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject());
    mesh.backend("alpha", 10, Privacy.CLOUD, "m1");
    mesh.web(webConf);
    mesh.awaitLive(1);
    return mesh;
  }

  /** The first backend deployed: "alpha" of {@link #alphaBehindWeb}. */
  public ScriptedChatBackend alpha() {
    return backends.get(0);
  }

  public MeshFixture router(JsonObject conf) throws Exception {
    vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(conf)).await(10, TimeUnit.SECONDS);
    return this;
  }

  public ScriptedChatBackend backend(String id, int priority, Privacy privacy, String... models) throws Exception {
    return deploy(new ScriptedChatBackend(vertx, id, priority, privacy, List.of(models)));
  }

  /** Deploys a backend configured beforehand (prices are read from its descriptor when it starts). */
  public ScriptedChatBackend deploy(ScriptedChatBackend b) throws Exception {
    backends.add(deployed(b));
    return b;
  }

  /** Any backend behind a backend verticle that heartbeats every 200 ms. */
  public <B extends Backend> B deployed(B b) throws Exception {
    vertx.deployVerticle(new BackendVerticle(b), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 200)))
      .await(10, TimeUnit.SECONDS);
    return b;
  }

  /** The router's admin status of one backend. */
  public JsonObject status(String backendId) throws Exception {
    return statusOf(backendId).await(10, TimeUnit.SECONDS);
  }

  /** The router's admin status of one backend, asked now; fails when the router does not list it. */
  public Future<JsonObject> statusOf(String backendId) {
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status")).map(reply ->
      reply.body().getJsonArray("backends").stream().map(o -> (JsonObject) o)
        .filter(b -> backendId.equals(b.getString("id"))).findFirst().orElseThrow());
  }

  public MeshFixture web(JsonObject conf) throws Exception {
    web = new WebVerticle();
    vertx.deployVerticle(web, new DeploymentOptions().setConfig(conf.copy().put("port", 0).put("host", "127.0.0.1")))
      .await(10, TimeUnit.SECONDS);
    port = web.actualPort();
    client = WebClient.create(vertx);
    context = vertx.getOrCreateContext();
    return this;
  }

  /** Waits until the router sees {@code count} live backends. */
  public void awaitLive(int count) throws Exception {
    awaitLive(vertx, count);
  }

  /** The registry view of this node's router. */
  public static Future<JsonObject> view(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(),
      new DeliveryOptions().setLocalOnly(true).setSendTimeout(5000)).map(Message::body);
  }

  /** Waits until this node's router sees at least {@code count} live backends. */
  public static void awaitLive(Vertx vertx, int count) throws Exception {
    Eventually.until(vertx, "the router to see " + count + " live backend(s)", 30_000, () -> view(vertx),
      view -> view.getJsonArray("backends").size() >= count).await(35, TimeUnit.SECONDS);
  }

  /**
   * Waits until a new request on this node finds no router (a router stopping has unregistered its entry points):
   * the probes are malformed, so a router still there refuses them at once.
   */
  public static void awaitNoRouter(Vertx vertx, long timeoutMs) throws Exception {
    Eventually.until(vertx, "no router taking requests", timeoutMs,
      () -> vertx.eventBus().request(Addresses.CHAT, new JsonObject().put("model", "m1"), new DeliveryOptions().setSendTimeout(5000))
        .map(reply -> false)
        .otherwise(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS),
      noRouter -> noRouter).await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
  }
}
