package io.switchboard.app.http;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One whole node in this JVM for the HTTP tests: router, web verticle and the given backends, deployed by
 * {@link MeshNode#deploy} from a config the test builds (no conf files), on 127.0.0.1 and a free port. Waits until
 * every backend has started and registered, so a test's first request never races the registry.
 */
final class HttpTestNode {

  static final long WAIT_S = 30;

  final Vertx vertx;
  final MeshNode.Started started;
  final int port;
  final WebClient client;
  private final Context context;

  private HttpTestNode(Vertx vertx, MeshNode.Started started, WebClient client) {
    this.vertx = vertx;
    this.started = started;
    this.port = started.httpPort();
    this.client = client;
    this.context = vertx.getOrCreateContext();
  }

  /** Starts {@code call} (an HTTP request) on this node's one event-loop context, as {@link OnContext#start} does. */
  <T> Future<T> onContext(Supplier<Future<T>> call) {
    return OnContext.start(context, call);
  }

  /**
   * Backends for every kind of call the mesh serves: {@code fake-openai} for chat and embeddings on {@code openai} (its
   * key from the variable {@code FAKE_KEY}), {@code flite} for speech and {@code whisper-local} for transcription.
   */
  static JsonArray everyKind(FakeOpenAiServer openai) {
    return new JsonArray()
      .add(new JsonObject().put("id", "fake-openai").put("type", "openai-compatible").put("base_url", openai.baseUrl())
        .put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat").add("embed")).put("priority", 10)
        .put("models", new JsonArray().add("gpt-4o-mini").add("text-embedding-3-small")))
      .add(new JsonObject().put("id", "flite").put("type", "local-tts").put("priority", 10))
      .add(SpokenAudio.whisperBackend("whisper-local", 10));
  }

  /** Starts a node whose {@code http} section is {@code http} over the test defaults; every backend must start. */
  static HttpTestNode start(Vertx vertx, JsonArray backends, JsonObject http, Map<String, String> env) throws Exception {
    return start(vertx, backends, http, env, new JsonObject());
  }

  /** {@link #start(Vertx, JsonArray, JsonObject, Map)} with more top-level sections ({@code artifacts}, {@code cache}). */
  static HttpTestNode start(Vertx vertx, JsonArray backends, JsonObject http, Map<String, String> env, JsonObject more)
    throws Exception {
    JsonObject config = more.copy()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").mergeIn(http))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("backends", backends)
      // Its own ledger: a node never shares a usage journal with another run (the second would not start).
      .put("usage", new JsonObject().put("data_dir", java.nio.file.Files.createTempDirectory("sb-usage").toString()));
    NodeOptions options = new NodeOptions("all", Set.of(), false, Path.of("conf"), null, env, false);
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(60, TimeUnit.SECONDS);
    for (BackendDeployer.Outcome o : started.backends()) {
      assertTrue(o.started(), "backend " + o.id() + " did not start: " + o.reason());
    }
    // Over https (http.tls) the helper's own client trusts any certificate: the tests check trust with their own clients.
    WebClientOptions clientOptions = http.containsKey("tls") ? new WebClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
      : new WebClientOptions();
    WebClient client = WebClient.create(vertx, clientOptions, new PoolOptions().setHttp1MaxSize(32));
    HttpTestNode node = new HttpTestNode(vertx, started, client);
    node.awaitLive(backends.size());
    return node;
  }

  private void awaitLive(int expected) throws Exception {
    Eventually.until(vertx, expected + " live backends", 10_000,
      () -> onContext(() -> client.get(port, "127.0.0.1", "/health/ready").send()).map(HttpResponse::bodyAsJsonObject),
      ready -> ready.getInteger("live_backends", 0) >= expected).await(WAIT_S, TimeUnit.SECONDS);
  }

  HttpRequest<Buffer> post(String path) {
    return client.post(port, "127.0.0.1", path);
  }

  HttpResponse<Buffer> postJson(String path, JsonObject body) throws Exception {
    return onContext(() -> post(path).putHeader("content-type", "application/json").sendBuffer(body.toBuffer()))
      .await(WAIT_S, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> postMultipart(String path, Multipart form, Map<String, String> headers) throws Exception {
    HttpRequest<Buffer> req = post(path).putHeader("content-type", form.contentType());
    headers.forEach(req::putHeader);
    return onContext(() -> req.sendBuffer(form.body())).await(WAIT_S, TimeUnit.SECONDS);
  }

  /** The OpenAI error object of a failed response, after checking the status and that it is OpenAI's shape. */
  static JsonObject error(HttpResponse<Buffer> res, int status) {
    assertEquals(status, res.statusCode(), res.bodyAsString());
    assertTrue(res.getHeader("content-type").startsWith("application/json"), res.getHeader("content-type"));
    JsonObject error = res.bodyAsJsonObject().getJsonObject("error");
    assertTrue(error != null && error.getValue("message") instanceof String && error.getValue("type") instanceof String,
      "OpenAI error shape: " + res.bodyAsString());
    return error;
  }

  /** An OpenAI error naming {@code field}: as {@code param} and in the message. */
  static JsonObject errorNaming(HttpResponse<Buffer> res, int status, String field) {
    JsonObject error = error(res, status);
    assertEquals(field, error.getString("param"), res.bodyAsString());
    assertTrue(error.getString("message").contains(field), "the message names '" + field + "': " + error.getString("message"));
    return error;
  }
}
