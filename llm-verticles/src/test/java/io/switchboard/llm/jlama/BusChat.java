package io.switchboard.llm.jlama;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A bus caller for backend tests: sends chat requests to {@code switchboard.backend.<id>} and pulls streams. */
final class BusChat {

  /** A pulled stream: every chunk in order, and the usage of the end message. */
  record Streamed(List<JsonObject> chunks, JsonObject usage) {
    String text() {
      StringBuilder sb = new StringBuilder();
      for (JsonObject c : chunks) {
        String s = c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
        if (s != null) {
          sb.append(s);
        }
      }
      return sb.toString();
    }

    String finishReason() {
      return chunks.get(chunks.size() - 1).getJsonArray("choices").getJsonObject(0).getString("finish_reason");
    }
  }

  private final Vertx vertx;
  private final String backendId;

  BusChat(Vertx vertx, String backendId) {
    this.vertx = vertx;
    this.backendId = backendId;
  }

  static JsonObject request(String user, int maxTokens, long seed) {
    return new JsonObject().put("model", "tiny")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", user)))
      .put("max_tokens", maxTokens).put("seed", seed).put("temperature", 0.8);
  }

  /** Sends {@code body}; the reply is the whole answer, or the first message of a stream. */
  Future<Message<Object>> send(JsonObject body) {
    return vertx.eventBus().request(Addresses.backend(backendId), body,
      BackendVerticle.requestOptions(Headers.OP_CHAT, "test-" + System.nanoTime(), null, System.currentTimeMillis() + 60_000));
  }

  /** Sends a streamed request and pulls it to the end. */
  Future<Streamed> stream(JsonObject body) {
    List<JsonObject> chunks = new ArrayList<>();
    Promise<Streamed> done = Promise.promise();
    send(body.copy().put("stream", true)).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        pull(ar.result(), chunks, done);
      }
    });
    return done.future();
  }

  private void pull(Message<Object> msg, List<JsonObject> chunks, Promise<Streamed> done) {
    JsonObject body = (JsonObject) msg.body();
    body.getJsonArray(StreamProtocol.CHUNKS, new JsonArray()).forEach(c -> chunks.add((JsonObject) c));
    if (BusStreams.isEnd(msg)) {
      done.complete(new Streamed(chunks, body.getJsonObject(StreamProtocol.USAGE)));
      return;
    }
    BusStreams.next(msg, 30_000).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        pull(ar.result(), chunks, done);
      }
    });
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
