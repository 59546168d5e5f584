package io.switchboard.llm.openai;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;


/** Shared set-up of the OpenAI adapter tests: a backend pointed at a fake, and the requests they send. */
final class OpenAiTestKit {

  /** Long enough that Secrets.redact also removes its 8-character prefix when a provider echoes it. */
  static final String KEY = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";

  private OpenAiTestKit() {
  }

  static JsonObject conf(FakeOpenAiServer fake) {
    return conf(fake.baseUrl());
  }

  static JsonObject conf(String baseUrl) {
    return new JsonObject()
      .put("id", "openai")
      .put("type", "openai-compatible")
      .put("base_url", baseUrl)
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

  /** A fake that wants {@link #KEY}, closed after the test. */
  static FakeOpenAiServer fake(TestVertx vx) {
    return vx.forTest(await(FakeOpenAiServer.start(vx.get())).requireKey(KEY), FakeOpenAiServer::close);
  }

  /** A backend on {@code fake}, stopped after the test. */
  static OpenAiCompatibleBackend backend(TestVertx vx, FakeOpenAiServer fake) {
    return vx.forTest(backend(vx.get(), fake), OpenAiCompatibleBackend::stop);
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
}
