package io.switchboard.app.console;

import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The node the console tests talk to: three OpenAI-compatible backends (the real adapter) in front of fake OpenAI
 * servers, the local Whisper and flite for calls, the voice module, the usage ledger on H2 in a temporary folder, an
 * admin token; and plain HTTP calls to it.
 */
final class ConsoleNode {

  static final String ADMIN = "console-test-admin-token-4f9c2e";
  static final String KEY_ENV = "CONSOLE_FAKE_KEY";
  static final Map<String, String> ENV = Map.of(KEY_ENV, "sk-console-fake-upstream");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final int port;

  ConsoleNode(int port) {
    this.port = port;
  }

  /** Backends the node runs: the three chat and embedding ones, {@code local-whisper} and {@code local-tts}. */
  static final int BACKENDS = 5;

  /**
   * The mesh conf: {@code cloud-a} (cloud, priority 10, rpm/tpm limits), {@code cloud-b} (zdr, priority 20),
   * {@code workstation} (private, priority 30), all serving {@code gpt-4o-mini} as {@code light}; {@code local-whisper}
   * (whisper-tiny.en) and {@code local-tts} (flite), so that a call's turn is transcribed, answered by
   * {@code light} and spoken.
   */
  static JsonObject config(FakeOpenAiServer a, FakeOpenAiServer b, FakeOpenAiServer c, Path dataDir, JsonObject router) {
    return new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", ADMIN)
        .put("admin_login_delay_ms", 300).put("drain_timeout_ms", 3000).put("node_name", "node-1"))
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 3000).put("health_interval_ms", 60_000)
        .put("breaker", new JsonObject().put("max_failures", 3).put("reset_timeout_ms", 60_000).put("failures_window_ms", 60_000))
        .put("retries", new JsonObject().put("max", 1).put("base_ms", 20).put("max_ms", 50))
        .put("gauges_refresh_ms", 1000).put("budget_gauges_refresh_ms", 1000).mergeIn(router))
      .put("reload", new JsonObject().put("scan_period_ms", 0))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500).put("drain_timeout_ms", 2000))
      .put("backends", new JsonArray()
        .add(backend("cloud-a", "cloud", 10, a, 0.15, 0.60).put("limits", new JsonObject().put("rpm", 600).put("tpm", 200_000)))
        .add(backend("cloud-b", "zdr", 20, b, 0.25, 1.00))
        .add(backend("workstation", "private", 30, c, 0, 0))
        .add(whisper()).add(flite()))
      .put("voice", new JsonObject().put("greeting", "").put("stage_timeout_ms", 20_000))
      .put("usage", new JsonObject().put("data_dir", dataDir.toString()).put("idle_check_ms", 50).put("ship_linger_ms", 0));
  }

  private static JsonObject backend(String id, String privacy, int priority, FakeOpenAiServer fake, double in, double out) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", KEY_ENV).put("capabilities", new JsonArray().add("chat").add("embed")).put("privacy", privacy)
      .put("priority", priority).put("models", new JsonArray().add("gpt-4o-mini").add("text-embedding-3-small"))
      .put("aliases", new JsonObject().put("light", "gpt-4o-mini"))
      .put("prices", new JsonObject().put("gpt-4o-mini", new JsonObject().put("input_per_mtok", in).put("output_per_mtok", out)))
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 3000).put("idle_ms", 3000));
  }

  private static JsonObject whisper() {
    Path model = WhisperModels.pull(WhisperModels.DEFAULT_MODEL, WhisperModels.defaultModelsDir(), System.out);
    return new JsonObject().put("id", "local-whisper").put("type", "local-whisper").put("models_dir", model.getParent().getParent().toString())
      .put("priority", 10).put("workers", 1).put("intra_op_threads", 1);
  }

  private static JsonObject flite() {
    return new JsonObject().put("id", "local-tts").put("type", "local-tts").put("engine", "flite").put("priority", 10)
      .put("privacy", "local").put("workers", 1);
  }

  static JsonObject chatBody(boolean stream) {
    return new JsonObject().put("model", "light").put("stream", stream).put("max_tokens", 40)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Name three rivers in France.")));
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> chat(JsonObject body, Map<String, String> headers) throws IOException, InterruptedException {
    return send("POST", "/v1/chat/completions", body.encode(), headers);
  }

  /** An admin API call with the bearer token; fails the test unless it answers 2xx. */
  JsonObject admin(String method, String path, JsonObject body) throws IOException, InterruptedException {
    HttpResponse<String> res = send(method, path, body == null ? null : body.encode(), Map.of("authorization", "Bearer " + ADMIN));
    if (res.statusCode() / 100 != 2) {
      throw new AssertionError(method + " " + path + " answered " + res.statusCode() + ": " + res.body());
    }
    return new JsonObject(res.body());
  }
}
