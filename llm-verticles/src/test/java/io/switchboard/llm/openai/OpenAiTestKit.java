package io.switchboard.llm.openai;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Shared set-up of the OpenAI adapter tests: a backend pointed at a fake, requests, and waits on futures. */
final class OpenAiTestKit {

  /** Long enough that Secrets.redact also removes its 8-character prefix when a provider echoes it. */
  static final String KEY = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";

  private OpenAiTestKit() {
  }

  static JsonObject conf(FakeOpenAiServer fake) {
    return new JsonObject()
      .put("id", "openai")
      .put("type", "openai-compatible")
      .put("base_url", fake.baseUrl())
      .put("api_key_env", "OPENAI_API_KEY")
      .put("capabilities", new JsonArray().add("chat").add("embed"))
      .put("models", new JsonArray().add("gpt-4o-mini").add("text-embedding-3-small"));
  }

  static OpenAiSettings settings(JsonObject conf) {
    return OpenAiSettings.from(new BackendConfig(conf, Map.of("OPENAI_API_KEY", KEY)));
  }

  static OpenAiCompatibleBackend backend(Vertx vertx, JsonObject conf) {
    return new OpenAiCompatibleBackend(vertx, settings(conf));
  }

  static OpenAiCompatibleBackend backend(Vertx vertx, FakeOpenAiServer fake) {
    return backend(vertx, conf(fake));
  }

  static ChatRequest chat(String text, boolean stream) {
    return ChatRequest.fromJson(new JsonObject()
      .put("model", "gpt-4o-mini")
      .put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text))));
  }

  static EmbeddingRequest embedding(JsonObject extra, String... inputs) {
    return EmbeddingRequest.fromJson(new JsonObject().put("model", "text-embedding-3-small")
      .put("input", new JsonArray(List.of((Object[]) inputs))).mergeIn(extra));
  }

  static CallContext ctx() {
    return new CallContext("req-42", "key-1", System.currentTimeMillis() + 30_000);
  }

  /** What a stream delivered: its chunks, then either the trailer or the failure. */
  record Collected(List<JsonObject> chunks, JsonObject trailer, Throwable failure) {

    String text() {
      StringBuilder sb = new StringBuilder();
      for (JsonObject c : chunks) {
        JsonArray choices = c.getJsonArray("choices");
        if (!choices.isEmpty()) {
          String piece = choices.getJsonObject(0).getJsonObject("delta").getString("content");
          if (piece != null) {
            sb.append(piece);
          }
        }
      }
      return sb.toString();
    }

    MeshException error() {
      assertNotNull(failure, "the stream should have failed, it ended with " + trailer);
      return MeshException.from(failure);
    }

    JsonObject usage() {
      assertNotNull(trailer, "the stream should have ended cleanly, it failed with " + failure);
      assertFalse(chunks.isEmpty());
      return trailer.getJsonObject("usage");
    }
  }

  /**
   * Starts a stream on one context and consumes it there as the bus sender would; {@code onChunk} sees each batch's
   * pipe (to cancel, say).
   */
  static Future<Collected> collect(Vertx vertx, Supplier<ChunkPipe<JsonObject>> start, Consumer<ChunkPipe<JsonObject>> onChunk) {
    Promise<Collected> done = Promise.promise();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      ChunkPipe<JsonObject> pipe = start.get();
      List<JsonObject> chunks = new ArrayList<>();
      pipe.availableHandler(() -> {
        boolean had = pipe.hasItems();
        chunks.addAll(pipe.takeAll());
        if (pipe.isEnded()) {
          done.tryComplete(new Collected(chunks, pipe.trailer(), null));
        } else if (pipe.failure() != null) {
          done.tryComplete(new Collected(chunks, null, pipe.failure()));
        } else if (had && onChunk != null) {
          onChunk.accept(pipe);
        }
      });
    });
    return done.future();
  }

  static Future<Collected> collect(Vertx vertx, Supplier<ChunkPipe<JsonObject>> start) {
    return collect(vertx, start, null);
  }
}
