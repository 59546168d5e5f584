package io.switchboard.core.testkit.realtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local stand-in for OpenAI's Realtime API (GA, VOICE-FACTS §2) on 127.0.0.1 and a random port: a WebSocket at
 * {@code /v1/realtime?model=...} with the key as a bearer token, JSON text events both ways. Each connection is a
 * {@link FakeRealtimeSession}: {@code session.created} first, then a server VAD on the appended audio
 * ({@code speech_started} / {@code speech_stopped}), the caller's transcript, and a response of audio deltas with
 * their transcript deltas and a {@code response.done} with usage; barge-in cancels the response; {@code truncate},
 * {@code commit}, {@code clear}, {@code conversation.item.create}, {@code response.create/cancel} as the real one
 * answers them; an {@code error} event for an unknown or malformed event.
 *
 * <p>Also {@code GET /v1/models/{model}} as OpenAI answers it (the model object, or 404 {@code model_not_found} for a
 * model not in {@link #models}), which the backend's health probe calls; it opens no session and obeys the same key
 * check and {@link #refuse} status, so a probe sees what a handshake would.
 *
 * <p>Scripted failures: the handshake refused with a status and OpenAI's error body ({@link #refuse}), the socket cut
 * mid-response ({@link Script#cutAfterDeltas}), the session expiring ({@link FakeRealtimeSession#expire}).
 * Thread-safe: tests script and read it from any thread.
 */
public final class FakeRealtimeServer {

  /** What the next sessions do; fields are read when a response starts. */
  public static final class Script {
    /** Delay from the end of speech (or {@code response.create}) to the first audio delta. */
    public volatile long firstAudioMs = 20;
    /** Audio per response, ms, sent as fast as the socket takes it (as the real server does). */
    public volatile int responseMs = 2000;
    /** Audio per delta, ms. */
    public volatile int deltaMs = 100;
    /** Silence that ends speech, ms of appended audio. */
    public volatile int silenceMs = 300;
    /** Cuts the connection (no close frame) after this many audio deltas; -1 never. */
    public volatile int cutAfterDeltas = -1;
    /** The caller's words the fake "heard". */
    public volatile String transcript = "hello there";
    /** The words of each response, sent as transcript deltas one word each. */
    public volatile String answer = "Hi, how can I help you today?";
    /** The {@code usage} of each {@code response.done}; null: OpenAI's, counting what the response sent. */
    public volatile io.vertx.core.json.JsonObject usage;
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final Script script = new Script();
  private final List<FakeRealtimeSession> sessions = new CopyOnWriteArrayList<>();
  private volatile String requiredKey;
  private volatile int refuseStatus;
  private volatile String refuseRetryAfter;
  private volatile java.util.Set<String> models = java.util.Set.of("gpt-realtime", "gpt-realtime-mini");
  private final java.util.concurrent.atomic.AtomicInteger modelLookups = new java.util.concurrent.atomic.AtomicInteger();

  private FakeRealtimeServer(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setMaxWebSocketFrameSize(1 << 20)
      .setMaxWebSocketMessageSize(16 << 20)).requestHandler(this::handle);
  }

  public static Future<FakeRealtimeServer> start(Vertx vertx) {
    FakeRealtimeServer f = new FakeRealtimeServer(vertx);
    return f.server.listen(0, "127.0.0.1").map(s -> f);
  }

  /** The {@code base_url} to give a backend: {@code http://127.0.0.1:<port>/v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  public Script script() {
    return script;
  }

  /** Sockets without this bearer token are refused with 401 and OpenAI's error body. */
  public FakeRealtimeServer requireKey(String key) {
    this.requiredKey = key;
    return this;
  }

  /** Refuses every handshake with {@code status} (0: accept again), with {@code Retry-After} when not null. */
  public FakeRealtimeServer refuse(int status, String retryAfter) {
    this.refuseStatus = status;
    this.refuseRetryAfter = retryAfter;
    return this;
  }

  /** The models {@code GET /v1/models/{model}} knows (default gpt-realtime, gpt-realtime-mini). */
  public FakeRealtimeServer models(java.util.Set<String> models) {
    this.models = java.util.Set.copyOf(models);
    return this;
  }

  /** How many {@code GET /v1/models/{model}} calls came (answered or refused). */
  public int modelLookups() {
    return modelLookups.get();
  }

  /** Every session opened, in order. */
  public List<FakeRealtimeSession> sessions() {
    return sessions;
  }

  /** The most recent session (waits for none). */
  public FakeRealtimeSession last() {
    return sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    boolean lookup = req.method() == io.vertx.core.http.HttpMethod.GET && req.path().startsWith("/v1/models/");
    if (lookup) {
      modelLookups.incrementAndGet();
    } else if (!req.path().equals("/v1/realtime") || req.getParam("model") == null) {
      error(req, 404, "invalid_request_error", "Unknown path or missing model: " + req.uri());
      return;
    }
    String auth = req.getHeader("authorization");
    if (requiredKey != null && !("Bearer " + requiredKey).equals(auth)) {
      error(req, 401, "invalid_request_error", "Incorrect API key provided.");
      return;
    }
    if (req.getHeader("openai-beta") != null) {
      error(req, 400, "invalid_request_error", "The beta interface is not served (OpenAI-Beta header sent)");
      return;
    }
    if (refuseStatus != 0) {
      if (refuseRetryAfter != null) {
        req.response().putHeader("retry-after", refuseRetryAfter);
      }
      error(req, refuseStatus, refuseStatus == 429 ? "rate_limit_error" : "server_error", "Refused by the test (" + refuseStatus + ")");
      return;
    }
    if (lookup) {
      model(req, req.path().substring("/v1/models/".length()));
      return;
    }
    var connection = req.connection();
    req.toWebSocket().onSuccess(ws -> sessions.add(new FakeRealtimeSession(vertx, ws, connection, req.getParam("model"), script)));
  }

  private void model(HttpServerRequest req, String model) {
    if (!models.contains(model)) {
      req.response().setStatusCode(404).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("message", "The model '" + model + "' does not exist or you do not have access to it.")
          .put("type", "invalid_request_error").put("param", (Object) null).put("code", "model_not_found")).encode());
      return;
    }
    req.response().putHeader("content-type", "application/json")
      .end(new JsonObject().put("id", model).put("object", "model").put("created", 1756339200L).put("owned_by", "system").encode());
  }

  private static void error(HttpServerRequest req, int status, String type, String message) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json")
      .end(new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("param", (Object) null)
        .put("code", status == 401 ? "invalid_api_key" : null)).encode());
  }
}
