package io.switchboard.app.voice;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI-compatible chat server for the call tests, speaking the real wire format: {@code POST
 * /v1/chat/completions} with a bearer key, answered as an SSE stream of {@code chat.completion.chunk}s (a role chunk,
 * one chunk per word, the finish chunk, the usage chunk when asked for, {@code data: [DONE]}), each word after a
 * scripted delay; or an OpenAI error body with its status; or a stream cut mid-way (the connection closed with no
 * {@code [DONE]}). Records every request body and counts the streams the client closed before their end (a cancel
 * that reached the upstream).
 */
final class FakeChat {

  /** What to answer one request with. */
  record Reply(String text, long firstMs, long perWordMs, int cutAfterWords, int status) {
    static Reply of(String text) {
      return new Reply(text, 20, 10, -1, 200);
    }

    Reply slowly(long firstMs, long perWordMs) {
      return new Reply(text, firstMs, perWordMs, cutAfterWords, status);
    }

    Reply cutAfter(int words) {
      return new Reply(text, firstMs, perWordMs, words, status);
    }

    static Reply error(int status) {
      return new Reply("", 0, 0, -1, status);
    }
  }

  private final Vertx vertx;
  private final ArrayDeque<Reply> script = new ArrayDeque<>();
  private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger cancelled = new AtomicInteger();
  private Reply fallback = Reply.of("Okay.");
  private HttpServer server;

  private FakeChat(Vertx vertx) {
    this.vertx = vertx;
  }

  static Future<FakeChat> start(Vertx vertx) {
    FakeChat fake = new FakeChat(vertx);
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(fake::handle).listen()
      .map(s -> {
        fake.server = s;
        return fake;
      });
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  synchronized FakeChat enqueue(Reply r) {
    script.add(r);
    return this;
  }

  /** What every request beyond the script gets. */
  synchronized FakeChat always(Reply r) {
    fallback = r;
    return this;
  }

  List<JsonObject> requests() {
    return requests;
  }

  /** The content of the last user message of request {@code i}. */
  String lastUserText(int i) {
    JsonArray messages = requests.get(i).getJsonArray("messages");
    for (int k = messages.size() - 1; k >= 0; k--) {
      if ("user".equals(messages.getJsonObject(k).getString("role"))) {
        return messages.getJsonObject(k).getString("content");
      }
    }
    return null;
  }

  int cancelled() {
    return cancelled.get();
  }

  private synchronized Reply next() {
    Reply r = script.poll();
    return r != null ? r : fallback;
  }

  private void handle(HttpServerRequest req) {
    if (!req.path().endsWith("/chat/completions")) {
      req.response().setStatusCode(404).end();
      return;
    }
    if (req.getHeader("authorization") == null) {
      error(req.response(), 401, "invalid_api_key", "missing bearer key");
      return;
    }
    req.body().onSuccess(raw -> {
      JsonObject body = raw.toJsonObject();
      requests.add(body);
      Reply r = next();
      if (r.status() != 200) {
        error(req.response(), r.status(), r.status() == 429 ? "rate_limit_exceeded" : "server_error", "scripted failure " + r.status());
        return;
      }
      stream(req.response(), body.getString("model"), r);
    });
  }

  private void stream(HttpServerResponse res, String model, Reply r) {
    String[] words = r.text().split(" ");
    res.setChunked(true).putHeader("content-type", "text/event-stream").writeHead();
    boolean[] finished = {false};
    res.closeHandler(v -> {
      if (!finished[0]) {
        cancelled.incrementAndGet();
      }
    });
    res.write(frame(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null)));
    vertx.setTimer(Math.max(1, r.firstMs()), t -> word(res, model, words, 0, r, finished));
  }

  private void word(HttpServerResponse res, String model, String[] words, int i, Reply r, boolean[] finished) {
    if (res.closed()) {
      return;
    }
    if (r.cutAfterWords() >= 0 && i == r.cutAfterWords()) {
      finished[0] = true;
      res.reset(); // cut: no [DONE]
      return;
    }
    if (i == words.length) {
      finished[0] = true;
      res.write(frame(chunk(model, new JsonObject(), "stop")));
      res.write(frame(new JsonObject().put("id", "chatcmpl-fake").put("object", "chat.completion.chunk").put("model", model)
        .put("choices", new JsonArray()).put("usage", new JsonObject().put("prompt_tokens", 40).put("completion_tokens", words.length)
          .put("total_tokens", 40 + words.length))));
      res.end("data: [DONE]\n\n");
      return;
    }
    res.write(frame(chunk(model, new JsonObject().put("content", (i == 0 ? "" : " ") + words[i]), null)));
    vertx.setTimer(Math.max(1, r.perWordMs()), t -> word(res, model, words, i + 1, r, finished));
  }

  private static JsonObject chunk(String model, JsonObject delta, String finish) {
    return new JsonObject().put("id", "chatcmpl-fake").put("object", "chat.completion.chunk").put("created", 1763769600)
      .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .put("finish_reason", finish)));
  }

  private static String frame(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  private static void error(HttpServerResponse res, int status, String code, String message) {
    res.setStatusCode(status).putHeader("content-type", "application/json")
      .end(new JsonObject().put("error", new JsonObject().put("message", message).put("type", "server_error").put("param", (String) null)
        .put("code", code)).encode());
  }
}
