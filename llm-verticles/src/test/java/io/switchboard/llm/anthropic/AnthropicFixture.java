package io.switchboard.llm.anthropic;

import io.switchboard.api.ChatRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.switchboard.core.testkit.Await.await;

/** What the Anthropic adapter tests stand on: the kit's fake, backends on it, the conversation they send. */
final class AnthropicFixture {

  private AnthropicFixture() {
  }

  /** A fresh fake for one test, stopped after it. */
  static FakeAnthropic fake(TestVertx vx) {
    return vx.forTest(await(new FakeAnthropic(vx.get()).start()), FakeAnthropic::stop);
  }

  /** Backends {@code claude} on {@code fake}, built as the provider builds them. */
  static ChatFixture<AnthropicBackend> backends(TestVertx vx, FakeAnthropic fake) {
    JsonObject conf = new JsonObject().put("id", "claude").put("type", "anthropic").put("base_url", fake.baseUrl())
      .put("models", new JsonArray().add("claude-sonnet-4-5").add("claude-haiku-4-5"));
    return new ChatFixture<>(vx, new AnthropicProvider(), conf, "ANTHROPIC_API_KEY", FakeAnthropic.KEY);
  }

  /** A conversation with system and developer turns and two user turns in a row, as OpenAI clients send them. */
  static ChatRequest request(boolean stream, JsonObject extra) {
    JsonObject body = new JsonObject().put("model", "claude-sonnet-4-5").put("stream", stream)
      .put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "developer").put("content", "Answer in English."))
        .add(new JsonObject().put("role", "user").put("content", "Hi."))
        .add(new JsonObject().put("role", "assistant").put("content", "Hello!"))
        .add(new JsonObject().put("role", "user").put("content", "First part,"))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", "how are you today")))));
    return ChatRequest.fromJson(body.mergeIn(extra));
  }

  static ChatRequest request(boolean stream) {
    return request(stream, new JsonObject());
  }

  static CallContext ctx() {
    return ctx(30_000);
  }

  static CallContext ctx(long ms) {
    return new CallContext("req-1", "key-1", System.currentTimeMillis() + ms);
  }
}
