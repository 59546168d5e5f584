package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A caller of the router over the event bus alone (no HTTP): sends a chat request with its own request id and, for a
 * stream, pulls it to its end the way {@link StreamProtocol} says, gathering the text.
 */
final class BusCaller {

  /** How one request ended: the whole text, or the failure; {@code endedMs} when the last message came. */
  record Answer(String requestId, boolean stream, String text, Throwable failure, long endedMs) {
    boolean ok() {
      return failure == null;
    }
  }

  private final Vertx vertx;

  BusCaller(Vertx vertx) {
    this.vertx = vertx;
  }

  static JsonObject chat(String model, boolean stream) {
    return new JsonObject().put("model", model).put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  /** Sends to the cluster's routers ({@code localOnly}: to this node's router only); never fails, see {@link Answer}. */
  Future<Answer> send(String requestId, String model, boolean stream, boolean localOnly) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(30_000).setLocalOnly(localOnly)
      .addHeader(Headers.REQUEST_ID, requestId);
    StringBuilder text = new StringBuilder();
    return vertx.eventBus().<Object>request(Addresses.CHAT, chat(model, stream), options)
      .compose(first -> stream ? pull(first, text) : Future.succeededFuture(content((JsonObject) first.body())))
      .map(t -> new Answer(requestId, stream, t, null, System.currentTimeMillis()))
      .otherwise(e -> new Answer(requestId, stream, text.toString(), e, System.currentTimeMillis()));
  }

  /** Sends {@code body} as it is (a malformed one, say) to the cluster's routers; never fails. */
  Future<Answer> sendRaw(String requestId, JsonObject body) {
    return sendRaw(requestId, body, 30_000);
  }

  /** As {@link #sendRaw(String, JsonObject)}; a request nobody answers within {@code timeoutMs} is a failed answer. */
  Future<Answer> sendRaw(String requestId, JsonObject body, long timeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).addHeader(Headers.REQUEST_ID, requestId);
    return vertx.eventBus().<Object>request(Addresses.CHAT, body, options)
      .map(reply -> new Answer(requestId, false, String.valueOf(reply.body()), null, System.currentTimeMillis()))
      .otherwise(e -> new Answer(requestId, false, "", e, System.currentTimeMillis()));
  }

  /** The text of an answer: a whole completion's, or a stream's pulled to its end. */
  static Future<String> text(Message<Object> first) {
    return first.body() instanceof JsonObject body && !BusStreams.isStream(first)
      ? Future.succeededFuture(content(body)) : pull(first, new StringBuilder());
  }

  private static Future<String> pull(Message<Object> msg, StringBuilder text) {
    ((JsonObject) msg.body()).getJsonArray(StreamProtocol.CHUNKS, new JsonArray()).forEach(c -> {
      JsonObject delta = ((JsonObject) c).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      if (delta.containsKey("content")) {
        text.append(delta.getString("content"));
      }
    });
    if (BusStreams.isEnd(msg)) {
      return Future.succeededFuture(text.toString());
    }
    return BusStreams.next(msg, 10_000).compose(next -> pull(next, text));
  }

  private static String content(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }
}
