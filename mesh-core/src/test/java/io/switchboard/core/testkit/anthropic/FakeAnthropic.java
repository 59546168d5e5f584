package io.switchboard.core.testkit.anthropic;

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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local Anthropic Messages API on 127.0.0.1: {@code POST /v1/messages} with {@code x-api-key} and
 * {@code anthropic-version} checked, the body validated as the API does (model, max_tokens, user/assistant roles that
 * alternate), errors in the documented {@code {"type":"error","error":{...}}} shape with a {@code request-id} header,
 * whole answers as {@code message} objects and streams as SSE with {@code event:} lines in the documented order.
 * The answer is {@code "You said: <last user text>"}, one delta per word; {@code max_tokens} and
 * {@code stop_sequences} cut it as the API would. Knobs inject what a real upstream does on a bad day.
 */
public final class FakeAnthropic extends FakeServer {

  public static final String KEY = "sk-ant-api03-FAKEKEY-0123456789abcdef";
  public static final Set<String> MODELS = Set.of("claude-sonnet-4-5", "claude-haiku-4-5");

  /** One scripted failure for the next request: HTTP status, error type and message, optional retry-after. */
  public record Failure(int status, String type, String message, String retryAfter, String rawBody) {
  }

  public final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  public final List<MultiMap> headers = new CopyOnWriteArrayList<>();
  /** Responses whose connection closed before the fake finished them (the client reset or went away). */
  public final AtomicInteger closedEarly = new AtomicInteger();
  /** Times a stream had to wait for the client to read (TCP back-pressure reached the server). */
  public final AtomicInteger blockedWrites = new AtomicInteger();
  public final AtomicInteger deltasSent = new AtomicInteger();
  /** True while a stream waits for the client to read before it can write more. */
  public volatile boolean waitingForDrain;
  public volatile boolean streamFinished;

  public volatile Failure failNext;
  public volatile long delayHeadersMs;
  public volatile int cutAfterDeltas = -1;
  public volatile int stallAfterDeltas = -1;
  public volatile int errorEventAfterDeltas = -1;
  public volatile String errorEventType = "overloaded_error";
  /** When positive, the answer is this many words instead of the echo. */
  public volatile int longAnswerWords;
  /** When positive, one delta every this many ms instead of as fast as the connection takes them. */
  public volatile long paceMs;
  /** When set, the answer ends with a tool_use block calling this tool with {@link #toolInput}. */
  public volatile String toolName;
  public volatile JsonObject toolInput = new JsonObject();

  public FakeAnthropic(Vertx vertx) {
    super(vertx);
  }

  public Future<FakeAnthropic> start() {
    return listen().map(v -> this);
  }

  public String baseUrl() {
    return url("");
  }

  public JsonObject lastBody() {
    return bodies.get(bodies.size() - 1);
  }

  /** The state moved (a delta, a close, a blocked write): the conditions a test waits on are checked. */
  void changed() {
    conditions.changed();
  }

  Vertx vertx() {
    return vertx;
  }

  @Override
  protected void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    resp.putHeader("request-id", "req_fake" + bodies.size());
    resp.closeHandler(v -> {
      if (!resp.ended()) {
        closedEarly.incrementAndGet();
        conditions.changed();
      }
    });
    req.body().onSuccess(buf -> {
      headers.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      if (req.method().name().equals("POST") && req.path().equals("/v1/messages")) {
        messages(req, resp, buf);
      } else {
        error(resp, 404, "not_found_error", "Not Found", null);
      }
    });
  }

  private void messages(HttpServerRequest req, HttpServerResponse resp, Buffer buf) {
    if (req.getHeader("anthropic-version") == null) {
      error(resp, 400, "invalid_request_error", "anthropic-version: header is required", null);
      return;
    }
    if (!KEY.equals(req.getHeader("x-api-key"))) {
      error(resp, 401, "authentication_error", "invalid x-api-key", null);
      return;
    }
    JsonObject body;
    try {
      body = buf.toJsonObject();
    } catch (RuntimeException e) {
      error(resp, 400, "invalid_request_error", "There was an issue with the format of your request: invalid JSON", null);
      return;
    }
    bodies.add(body);
    Failure f = failNext;
    if (f != null) {
      failNext = null;
      if (f.rawBody() != null) {
        resp.setStatusCode(f.status()).putHeader("content-type", "text/html").end(f.rawBody());
      } else {
        error(resp, f.status(), f.type(), f.message(), f.retryAfter());
      }
      return;
    }
    String invalid = validate(body);
    if (invalid != null) {
      error(resp, 400, "invalid_request_error", invalid, null);
      return;
    }
    if (!MODELS.contains(body.getString("model"))) {
      error(resp, 404, "not_found_error", "model: " + body.getString("model"), null);
      return;
    }
    Answer answer = answer(body);
    Runnable respond = () -> {
      if (Boolean.TRUE.equals(body.getValue("stream"))) {
        new FakeAnthropicSse(this, resp, body, answer).start();
      } else {
        resp.putHeader("content-type", "application/json").end(message(body, answer).encode());
      }
    };
    if (delayHeadersMs > 0) {
      vertx.setTimer(delayHeadersMs, t -> {
        if (!resp.closed()) {
          respond.run();
        }
      });
    } else {
      respond.run();
    }
  }

  private static String validate(JsonObject body) {
    if (body.getString("model") == null) {
      return "model: Field required";
    }
    if (!(body.getValue("max_tokens") instanceof Number)) {
      return "max_tokens: Field required";
    }
    JsonArray messages = body.getJsonArray("messages");
    if (messages == null || messages.isEmpty()) {
      return "messages: at least one message is required";
    }
    String previous = null;
    for (int i = 0; i < messages.size(); i++) {
      String role = messages.getJsonObject(i).getString("role");
      if (!"user".equals(role) && !"assistant".equals(role)) {
        return "messages: Unexpected role \"" + role + "\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.";
      }
      if (role.equals(previous)) {
        return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"" + role + "\" roles in a row";
      }
      previous = role;
    }
    return null;
  }

  /** The words of the answer, how it stopped, and the tokens counted. */
  record Answer(List<String> pieces, String stopReason, String stopSequence, long inputTokens) {
  }

  private Answer answer(JsonObject body) {
    List<String> words = new ArrayList<>();
    if (longAnswerWords > 0) {
      for (int i = 0; i < longAnswerWords; i++) {
        words.add((i == 0 ? "" : " ") + "w" + i);
      }
    } else {
      String[] split = ("You said: " + lastUserText(body)).split(" ", -1);
      for (int i = 0; i < split.length; i++) {
        words.add(i == 0 ? split[i] : " " + split[i]);
      }
    }
    String stopReason = toolName != null ? "tool_use" : "end_turn";
    String stopSequence = null;
    JsonArray stops = body.getJsonArray("stop_sequences", new JsonArray());
    for (int i = 0; i < words.size() && stopSequence == null; i++) {
      for (Object s : stops) {
        if (words.get(i).trim().equals(s)) {
          stopSequence = (String) s;
          words = new ArrayList<>(words.subList(0, i));
          stopReason = "stop_sequence";
          break;
        }
      }
    }
    int max = body.getInteger("max_tokens");
    if (words.size() > max) {
      words = new ArrayList<>(words.subList(0, max));
      stopReason = "max_tokens";
    }
    return new Answer(words, stopReason, stopSequence, body.encode().length() / 4);
  }

  public static String lastUserText(JsonObject body) {
    JsonArray messages = body.getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    Object content = last.getValue("content");
    if (content instanceof String s) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (Object b : (JsonArray) content) {
      JsonObject block = (JsonObject) b;
      if ("text".equals(block.getString("type"))) {
        sb.append(block.getString("text"));
      }
    }
    return sb.toString();
  }

  JsonObject message(JsonObject body, Answer a) {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", String.join("", a.pieces())));
    if (toolName != null) {
      content.add(new JsonObject().put("type", "tool_use").put("id", "toolu_01A").put("name", toolName).put("input", toolInput));
    }
    return new JsonObject()
      .put("id", "msg_01Fake")
      .put("type", "message")
      .put("role", "assistant")
      .put("model", body.getString("model"))
      .put("content", content)
      .put("stop_reason", a.stopReason())
      .put("stop_sequence", a.stopSequence())
      .put("usage", new JsonObject().put("input_tokens", a.inputTokens()).put("output_tokens", a.pieces().size())
        .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0));
  }

  static void error(HttpServerResponse resp, int status, String type, String message, String retryAfter) {
    if (retryAfter != null) {
      resp.putHeader("retry-after", retryAfter);
    }
    resp.setStatusCode(status).putHeader("content-type", "application/json").end(new JsonObject()
      .put("type", "error")
      .put("error", new JsonObject().put("type", type).put("message", message))
      .put("request_id", "req_fake").encode());
  }
}
