package io.switchboard.app.voice;

import io.switchboard.api.Addresses;
import io.switchboard.api.UsageBatch;
import io.switchboard.core.testkit.JournalTap;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.core.usage.LocalJournal;
import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.asr.whisper.WhisperModels;
import io.switchboard.core.backend.BackendDeployer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One whole node in this JVM for the call tests: router, ledger, web verticle with the voice mount, and the given
 * backends (the real local Whisper and flite, fakes of cloud APIs), from a config the test builds. Records every
 * usage record sent on the bus (an interceptor: the ledger still gets them).
 */
final class VoiceNode {

  final Vertx vertx;
  final MeshNode.Started started;
  final int port;
  final List<JsonObject> usage;

  private VoiceNode(Vertx vertx, MeshNode.Started started, List<JsonObject> usage) {
    this.vertx = vertx;
    this.started = started;
    this.port = started.httpPort();
    this.usage = usage;
  }

  /** The key the fake cloud backends of these tests are configured with ({@code api_key_env: FAKE_KEY}). */
  static final Map<String, String> FAKE_ENV = Map.of("FAKE_KEY", "sk-fake-voice");

  /** A node with {@code backends}, the fakes' key in its environment and {@code voice} over the test defaults. */
  static VoiceNode start(Vertx vertx, JsonArray backends, JsonObject voice, Path dataDir) throws Exception {
    return start(vertx, backends, voice, dataDir, FAKE_ENV);
  }

  /** The usual cascade: the real Whisper and flite, the chat on {@code chat} (a cloud backend named "primary"). */
  static JsonArray localCascade(FakeOpenAiServer chat) {
    return new JsonArray().add(whisper(10)).add(flite(10)).add(chat("primary", chat, "cloud", 10));
  }

  static VoiceNode start(Vertx vertx, JsonArray backends, JsonObject voice, Path dataDir, Map<String, String> env) throws Exception {
    return start(vertx, "all", config(backends, voice, dataDir), env);
  }

  /** The test node's configuration (no exact cache: a node's conf has a {@code cache:} slice, add one to have it). */
  static JsonObject config(JsonArray backends, JsonObject voice, Path dataDir) {
    return new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 5000).put("breaker", new JsonObject().put("max_failures", 50)))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("drain_timeout_ms", 5000))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", dataDir.toString()))
      .put("voice", new JsonObject().put("stage_timeout_ms", 20_000).put("greeting", "").mergeIn(voice, true))
      .put("backends", backends);
  }

  static VoiceNode start(Vertx vertx, String role, JsonObject config, Map<String, String> env) throws Exception {
    NodeOptions options = new NodeOptions(role, Set.of(), false, Path.of("conf"), null, env, false);
    List<JsonObject> usage = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor((DeliveryContext<Object> dc) -> {
      // dc.body(), not dc.message().body(): on a clustered event bus the outbound message's body() is null. A node's
      // own router sends the records of one event-loop turn as one batch of objects; JSON records go one by one.
      String address = dc.message().address();
      if (Addresses.USAGE.equals(address) && dc.body() instanceof JsonObject record) {
        usage.add(record.copy());
      } else if (Addresses.USAGE_BATCH.equals(address)) {
        UsageBatch.recordsOf(dc.body()).forEach(r -> usage.add(r.toJson()));
      }
      dc.next();
    });
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(90, TimeUnit.SECONDS);
    if (LocalJournal.of(vertx) != null) {
      // A node with the ledger: its router hands the records to its journal, off the bus.
      JournalTap.install(vertx, r -> usage.add(r.toJson()));
    }
    for (BackendDeployer.Outcome o : started.backends()) {
      assertTrue(o.started(), "backend " + o.id() + " did not start: " + o.reason());
    }
    VoiceNode node = new VoiceNode(vertx, started, usage);
    if (role.equals("all")) {
      node.awaitLive(started.backends().size());
    }
    return node;
  }

  private void awaitLive(int expected) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 600; i++) {
      HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
      if (new JsonObject(r.body()).getInteger("live_backends", 0) >= expected) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("the backends never all became live");
  }

  /** The usage record the call {@code callId} left (its request id is the call id), or null. */
  JsonObject callRecord(String callId) {
    return usage.stream().filter(r -> callId.equals(r.getString("request_id"))).findFirst().orElse(null);
  }

  /** Every call record seen. */
  List<JsonObject> callRecords() {
    return usage.stream().filter(r -> r.getJsonObject("call") != null).toList();
  }

  static JsonObject whisper(int priority) {
    Path model = WhisperModels.pull(WhisperModels.DEFAULT_MODEL, WhisperModels.defaultModelsDir(), System.out);
    return new JsonObject().put("id", "local-whisper").put("type", "local-whisper").put("models_dir", model.getParent().getParent().toString())
      .put("priority", priority).put("workers", 1).put("intra_op_threads", 2);
  }

  static JsonObject flite(int priority) {
    return new JsonObject().put("id", "local-tts").put("type", "local-tts").put("engine", "flite").put("priority", priority)
      .put("privacy", "local").put("workers", 2);
  }

  static JsonObject chat(String id, FakeOpenAiServer fake, String privacy, int priority) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY")
      .put("capabilities", new JsonArray().add("chat")).put("privacy", privacy).put("priority", priority)
      .put("models", new JsonArray().add("gpt-4o-mini")).put("aliases", new JsonObject().put("light", "gpt-4o-mini"))
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 10_000).put("idle_ms", 5000));
  }

  static JsonObject cloudSpeech(String id, FakeSpeechApi fake, int priority) {
    return new JsonObject().put("id", id).put("type", "openai-speech").put("base_url", fake.url("/v1")).put("api_key_env", "FAKE_KEY")
      .put("privacy", "cloud").put("priority", priority).put("models", new JsonArray().add("tts-1")).put("aliases", new JsonObject())
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 5000).put("idle_ms", 5000));
  }

  /** OpenAI's transcription API on {@code fake}, serving {@code whisper-1} (the calls' default transcription model). */
  static JsonObject cloudTranscription(String id, FakeTranscriptionApi fake, int priority) {
    return new JsonObject().put("id", id).put("type", "openai-transcription").put("base_url", fake.url("/v1")).put("api_key_env", "FAKE_KEY")
      .put("privacy", "cloud").put("priority", priority).put("models", new JsonArray().add("whisper-1")).put("aliases", new JsonObject())
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 5000).put("idle_ms", 5000));
  }
}
