package io.switchboard.app.chaos;

import io.switchboard.api.Headers;
import io.switchboard.core.testkit.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * The chaos suite's HTTP client of the mesh, speaking the OpenAI API as an SDK would: chat (whole or streamed),
 * speech, transcription. It reads every answer to its end, or to the point where it broke, and reports what a
 * client saw ({@link Outcome}). Calls start on one Vert.x context (see {@link OnContext}).
 */
final class ChaosClient {

  /**
   * What a client saw: the status, who served ({@code x-switchboard-backend}) and the route explanation, the content
   * (the text of a chat or a transcript, the bytes of audio), whether the answer ended cleanly (a whole JSON answer;
   * a chat stream ending with {@code [DONE]}; audio whose body ended), and the error it was told, if any.
   */
  record Outcome(int status, String backend, String route, Buffer content, boolean clean, String error) {
    @Override
    public String toString() {
      return status + " from " + backend + " [" + route + "] " + content.length() + " bytes of content, "
        + (clean ? "clean end" : "no clean end") + (error == null ? "" : ", error: " + error);
    }
  }

  private final HttpClient http;
  private final Context context;
  private final int port;

  ChaosClient(Vertx vertx, int port) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setIdleTimeout(60), new PoolOptions().setHttp1MaxSize(128));
    this.context = vertx.getOrCreateContext();
    this.port = port;
  }

  Future<Outcome> chat(String model, boolean stream, String requestId) {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 50).put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", Adapter.PROMPT)));
    return post("/v1/chat/completions", "application/json", body.toBuffer(), requestId)
      .map(raw -> stream ? fromEventStream(raw) : fromJson(raw, json -> json.getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content")));
  }

  Future<Outcome> speech(String model, String format, String requestId) {
    JsonObject body = new JsonObject().put("model", model).put("input", "The chaos suite speaks.").put("voice", "alloy")
      .put("response_format", format);
    return post("/v1/audio/speech", "application/json", body.toBuffer(), requestId)
      .map(raw -> raw.status() == 200 ? raw.outcome(raw.body(), raw.ended(), null) : fromJson(raw, json -> null));
  }

  Future<Outcome> transcribe(String model, Buffer wav, String requestId) {
    String boundary = "----chaos" + UUID.randomUUID().toString().replace("-", "");
    Buffer form = Buffer.buffer()
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n" + model + "\r\n")
      .appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tone.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n").appendBuffer(wav).appendString("\r\n--" + boundary + "--\r\n");
    return post("/v1/audio/transcriptions", "multipart/form-data; boundary=" + boundary, form, requestId)
      .map(raw -> fromJson(raw, json -> json.getString("text")));
  }

  Future<Void> close() {
    return http.close();
  }

  /** An answer read as far as it went: its head, its body, and whether the body ended (false: it broke off). */
  private record Raw(int status, String backend, String route, Buffer body, boolean ended) {
    Outcome outcome(Buffer content, boolean clean, String error) {
      return new Outcome(status, backend, route, content, clean, error);
    }
  }

  /** POSTs {@code body} with {@code requestId} as its {@code x-request-id}: the id its usage record carries. */
  private Future<Raw> post(String path, String contentType, Buffer body, String requestId) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path)
      .putHeader("content-type", contentType).putHeader(Headers.REQUEST_ID, requestId);
    return OnContext.start(context, () -> http.request(options).compose(req -> req.send(body)).compose(this::read));
  }

  private Future<Raw> read(HttpClientResponse res) {
    Promise<Raw> raw = Promise.promise();
    Buffer body = Buffer.buffer();
    String backend = res.getHeader("x-switchboard-backend");
    String route = res.getHeader("x-switchboard-route");
    res.handler(body::appendBuffer);
    res.exceptionHandler(t -> raw.tryComplete(new Raw(res.statusCode(), backend, route, body, false)));
    res.endHandler(v -> raw.tryComplete(new Raw(res.statusCode(), backend, route, body, true)));
    return raw.future();
  }

  private static Outcome fromJson(Raw raw, java.util.function.Function<JsonObject, String> content) {
    JsonObject json;
    try {
      json = raw.body().toJsonObject();
    } catch (RuntimeException notJson) {
      return raw.outcome(Buffer.buffer(), false, "not JSON: " + raw.body());
    }
    if (raw.status() != 200) {
      return raw.outcome(Buffer.buffer(), raw.ended(), json.encode());
    }
    String text = content.apply(json);
    return raw.outcome(Buffer.buffer(text == null ? "" : text), raw.ended(), null);
  }

  /** A chat stream: the deltas' text in order, clean when {@code [DONE]} ended it, the error event's message if one came. */
  private static Outcome fromEventStream(Raw raw) {
    if (raw.status() != 200) {
      return fromJson(raw, json -> null);
    }
    StringBuilder text = new StringBuilder();
    String error = null;
    boolean done = false;
    for (String line : raw.body().toString().split("\n")) {
      if (!line.startsWith("data: ")) {
        continue;
      }
      String data = line.substring("data: ".length());
      if (data.equals("[DONE]")) {
        done = true;
        continue;
      }
      JsonObject event = new JsonObject(data);
      if (event.containsKey("error")) {
        error = event.getJsonObject("error").getString("message");
        continue;
      }
      JsonArray choices = event.getJsonArray("choices", new JsonArray());
      if (!choices.isEmpty()) {
        String piece = choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getString("content");
        text.append(piece == null ? "" : piece);
      }
    }
    return raw.outcome(Buffer.buffer(text.toString()), done && raw.ended() && error == null, error);
  }
}
