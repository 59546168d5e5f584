package io.switchboard.core.testkit.openai;

import io.switchboard.core.testkit.FakeServer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local stand-in for OpenAI's API (and every server that copies it), on 127.0.0.1 and a random port, speaking the
 * real wire format: {@code POST /v1/chat/completions} (JSON, or SSE {@code data: {json}\n\n} ending with
 * {@code data: [DONE]\n\n} when {@code "stream": true}), {@code POST /v1/embeddings} (float or base64),
 * {@code GET /v1/models}, and OpenAI's error bodies {@code {"error":{"message","type","param","code"}}}.
 *
 * <p>Each request takes the next {@link Behaviour} from the queue ({@link #enqueue}), or the default one
 * ({@link #setDefault}); behaviours script delays, errors with {@code Retry-After}, streams cut mid-way, refused
 * connections. Every request is recorded ({@link #requests()}). With {@link #requireKey} set, a request without that
 * bearer token gets OpenAI's 401, whose message echoes part of the key it was sent, as OpenAI's does.
 *
 * <pre>{@code
 * FakeOpenAiServer fake = FakeOpenAiServer.start(vertx).await();
 * fake.enqueue(Behaviour.reply("hi there").chunkDelayMs(5));
 * fake.enqueue(Behaviour.error(429, "Rate limit reached").retryAfter("2"));
 * ... point a backend at fake.baseUrl() ...
 * fake.close().await();
 * }</pre>
 * Thread-safe: tests script and read it from any thread.
 */
public final class FakeOpenAiServer extends FakeServer {

  private final Queue<Behaviour> queue = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger aborted = new AtomicInteger();
  private final AtomicInteger backPressured = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong();
  /** Requests whose connection the server itself closed (refuse, cut): their close is not the client's doing. */
  private final Set<RecordedRequest> closedByServer = ConcurrentHashMap.newKeySet();
  private volatile Behaviour defaultBehaviour = Behaviour.reply(Behaviour.DEFAULT_TEXT);
  private volatile String requiredKey;
  private volatile List<String> models = List.of("gpt-4o-mini", "text-embedding-3-small");

  private FakeOpenAiServer(Vertx vertx) {
    super(vertx);
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  public static Future<FakeOpenAiServer> start(Vertx vertx) {
    FakeOpenAiServer fake = new FakeOpenAiServer(vertx);
    return fake.listen().map(v -> fake);
  }

  /** {@code http://127.0.0.1:<port>/v1}, what a backend's {@code base_url} should be. */
  public String baseUrl() {
    return url("/v1");
  }

  /** Scripts the next requests, in order; when the queue is empty the default behaviour answers. */
  public FakeOpenAiServer enqueue(Behaviour... behaviours) {
    queue.addAll(List.of(behaviours));
    return this;
  }

  public FakeOpenAiServer setDefault(Behaviour behaviour) {
    this.defaultBehaviour = behaviour;
    return this;
  }

  /** Requires {@code Authorization: Bearer <key>} (null: no check). A refused key does not consume a behaviour. */
  public FakeOpenAiServer requireKey(String key) {
    this.requiredKey = key;
    return this;
  }

  /** The ids {@code GET /v1/models} lists. */
  public FakeOpenAiServer models(String... ids) {
    this.models = List.of(ids);
    return this;
  }

  /** Every request received so far, oldest first. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public int requestCount() {
    return requests.size();
  }

  public RecordedRequest lastRequest() {
    return requests.isEmpty() ? null : requests.get(requests.size() - 1);
  }

  /** TCP connections accepted (a keep-alive client reuses one for sequential requests). */
  public int connectionCount() {
    return connections.get();
  }

  /** Responses whose connection the client closed before they were finished (a cancelled stream, a timeout). */
  public int abortedCount() {
    return aborted.get();
  }

  /** Times a stream had to wait because the client was not reading (TCP back-pressure reached the server). */
  public int backPressureCount() {
    return backPressured.get();
  }

  /** Forgets the script, the records and the key requirement. */
  public void reset() {
    queue.clear();
    requests.clear();
    closedByServer.clear();
    connections.set(0);
    aborted.set(0);
    backPressured.set(0);
    defaultBehaviour = Behaviour.reply(Behaviour.DEFAULT_TEXT);
    requiredKey = null;
  }

  public Future<Void> close() {
    return stop();
  }

  @Override
  protected void connected() {
    connections.incrementAndGet();
  }

  /** How the 401 message shows a wrong key: its first 8 characters and last 4, as OpenAI shows a part of it. */
  public static String maskKey(String key) {
    if (key == null || key.length() < 12) {
      return "sk-***";
    }
    return key.substring(0, 8) + "*".repeat(key.length() - 12) + key.substring(key.length() - 4);
  }

  // ---- handling

  @Override
  protected void handle(HttpServerRequest req) {
    req.body().onComplete(ar -> {
      if (ar.succeeded()) {
        dispatch(req, ar.result());
      }
    });
  }

  private void dispatch(HttpServerRequest req, Buffer raw) {
    JsonObject body = null;
    try {
      body = raw.length() == 0 ? null : new JsonObject(raw);
    } catch (RuntimeException notJson) {
      // recorded as raw text only
    }
    HttpServerResponse resp = req.response();
    RecordedRequest rec = RecordedRequest.now(req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
      body, raw.toString());
    requests.add(rec);
    conditions.changed();
    resp.closeHandler(v -> {
      if (!resp.ended()) {
        abort(rec);
      }
    });
    String key = requiredKey;
    if (key != null && !key.equals(rec.bearer())) {
      String message = rec.bearer() == null
        ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        : "Incorrect API key provided: " + maskKey(rec.bearer()) + ". You can find your API key at https://platform.openai.com/account/api-keys.";
      json(resp, 401, FakeReplies.error(message, "invalid_request_error", null, "invalid_api_key"), null);
      return;
    }
    Behaviour b = queue.poll();
    Behaviour behaviour = b == null ? defaultBehaviour : b;
    if (behaviour.refuse) {
      closedByServer.add(rec);
      req.connection().close();
      return;
    }
    if (behaviour.hang) {
      return;
    }
    if (behaviour.headerDelayMs > 0) {
      vertx.setTimer(behaviour.headerDelayMs, t -> respond(req, rec, behaviour));
    } else {
      respond(req, rec, behaviour);
    }
  }

  /**
   * The client closed the connection of {@code rec} before its response was finished: seen as the response's close, or,
   * mid-stream, as a write that failed (a reset connection fails the writes before Vert.x reports the close, and a
   * stream written on into it would end "cleanly" and never count).
   */
  private void abort(RecordedRequest rec) {
    if (!closedByServer.contains(rec) && !rec.closedEarly().isComplete()) {
      // Count first: a test that waits on closedEarly() then reads the count must see it.
      aborted.incrementAndGet();
      rec.markClosedEarly();
      conditions.changed();
    }
  }

  private boolean gone(RecordedRequest rec) {
    return rec.closedEarly().isComplete() || closedByServer.contains(rec);
  }

  private void respond(HttpServerRequest req, RecordedRequest rec, Behaviour b) {
    if (gone(rec)) {
      return;
    }
    HttpServerResponse resp = req.response();
    if (b.status != 0) {
      error(resp, rec, b);
      return;
    }
    String route = req.method().name() + " " + req.path();
    switch (route) {
      case "POST /v1/chat/completions" -> chat(resp, rec, b);
      case "POST /v1/embeddings" -> embeddings(resp, rec, b);
      case "GET /v1/models" -> json(resp, 200, FakeReplies.models(models), b);
      default -> json(resp, 404, FakeReplies.error("Invalid URL (" + route + ")", "invalid_request_error", null, null), b);
    }
  }

  private void error(HttpServerResponse resp, RecordedRequest rec, Behaviour b) {
    resp.setStatusCode(b.status);
    resp.headers().addAll(b.headers);
    String bearer = rec.bearer() == null ? "" : rec.bearer();
    if (b.rawBody != null) {
      resp.putHeader("content-type", b.rawContentType).end(b.rawBody.replace("{key}", bearer));
    } else {
      resp.putHeader("content-type", "application/json").end(b.errorBody.encode().replace("{key}", bearer));
    }
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body, Behaviour b) {
    resp.setStatusCode(status).putHeader("content-type", "application/json");
    if (b != null) {
      resp.headers().addAll(b.headers);
    }
    resp.end(body.encode());
  }

  private void chat(HttpServerResponse resp, RecordedRequest rec, Behaviour b) {
    JsonObject body = rec.body();
    if (body == null || !(body.getValue("model") instanceof String model)) {
      json(resp, 400, FakeReplies.error("you must provide a model parameter", "invalid_request_error", null, null), b);
      return;
    }
    if (!(body.getValue("messages") instanceof JsonArray)) {
      json(resp, 400, FakeReplies.error("Missing required parameter: 'messages'.", "invalid_request_error", "messages", "missing_required_parameter"), b);
      return;
    }
    String id = "chatcmpl-fake-" + ids.incrementAndGet();
    List<String> pieces = FakeReplies.split(b.text, b.chunks);
    JsonObject usage = FakeReplies.usage(FakeReplies.promptTokens(body), pieces.size());
    if (!body.getBoolean("stream", false)) {
      json(resp, 200, FakeReplies.completion(id, model, b.text, b.finishReason, b.usage ? usage : null), b);
      return;
    }
    resp.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-cache");
    resp.headers().addAll(b.headers);
    List<Buffer> frames = b.sseFrames != null
      ? b.sseFrames.stream().map(Buffer::buffer).toList()
      : new ChatStreamFrames(id, model, pieces, body, usage, b);
    pump(resp, rec, frames, 0, b.chunkDelayMs);
  }

  /**
   * Writes frames from {@code i} on, honouring the delay and the client's back-pressure, and stops as a real server
   * does when the client goes away: at the connection's close or the first write that fails. A drain goes on in a task
   * of its own, so that a close Vert.x reports right after the drain it caused is seen before the rest of a long stream
   * is written into the dead connection (where the write queue never fills again).
   */
  private void pump(HttpServerResponse resp, RecordedRequest rec, List<Buffer> frames, int i, long delayMs) {
    Future<Void> lastWrite = Future.succeededFuture();
    while (i < frames.size()) {
      if (gone(rec)) {
        return;
      }
      Buffer frame = frames.get(i++);
      if (frame == ChatStreamFrames.CUT) {
        closedByServer.add(rec);
        lastWrite.onComplete(v -> resp.reset());
        return;
      }
      lastWrite = resp.write(frame).onFailure(e -> abort(rec));
      int next = i;
      if (delayMs > 0 && next < frames.size()) {
        vertx.setTimer(delayMs, t -> pump(resp, rec, frames, next, delayMs));
        return;
      }
      if (resp.writeQueueFull()) {
        backPressured.incrementAndGet();
        conditions.changed();
        resp.drainHandler(v -> vertx.runOnContext(x -> pump(resp, rec, frames, next, delayMs)));
        return;
      }
    }
    if (!gone(rec)) {
      resp.end().onFailure(e -> abort(rec));
    }
  }

  private void embeddings(HttpServerResponse resp, RecordedRequest rec, Behaviour b) {
    JsonObject body = rec.body();
    Object input = body == null ? null : body.getValue("input");
    List<String> inputs = new ArrayList<>();
    if (input instanceof String s) {
      inputs.add(s);
    } else if (input instanceof JsonArray a) {
      a.forEach(x -> inputs.add(String.valueOf(x)));
    }
    if (inputs.isEmpty() || !(body.getValue("model") instanceof String model)) {
      json(resp, 400, FakeReplies.error("'input' and 'model' are required", "invalid_request_error", "input", null), b);
      return;
    }
    int dims = body.getInteger("dimensions", b.dims);
    boolean base64 = "base64".equals(body.getString("encoding_format"));
    json(resp, 200, FakeReplies.embeddings(model, inputs, dims, base64), b);
  }
}
