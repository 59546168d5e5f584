package io.switchboard.llm.anthropic;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;

/**
 * What every Anthropic adapter test stands on: the kit's {@link FakeAnthropic}, backends built on it from conf as the
 * provider builds them (closed with the fixture), the conversation the tests send and the calls they make.
 */
final class AnthropicFixture implements AutoCloseable {

  final Vertx vertx;
  final FakeAnthropic fake;
  final AnthropicBackend backend;
  private final List<AnthropicBackend> backends = new ArrayList<>();

  private AnthropicFixture(Vertx vertx) {
    this.vertx = vertx;
    this.fake = await(new FakeAnthropic(vertx).start());
    this.backend = backend(new JsonObject());
  }

  static AnthropicFixture start(Vertx vertx) {
    return new AnthropicFixture(vertx);
  }

  /** The conf entry of backend {@code claude} on the fake. */
  JsonObject conf() {
    return new JsonObject().put("id", "claude").put("type", "anthropic").put("base_url", fake.baseUrl())
      .put("models", new JsonArray().add("claude-sonnet-4-5").add("claude-haiku-4-5"));
  }

  /** A backend on the fake with {@code overrides} merged into its conf entry. */
  AnthropicBackend backend(JsonObject overrides) {
    return backend(overrides, FakeAnthropic.KEY);
  }

  AnthropicBackend backend(JsonObject overrides, String key) {
    AnthropicBackend b = (AnthropicBackend) new AnthropicProvider().create(vertx,
      new BackendConfig(conf().mergeIn(overrides, true), Map.of("ANTHROPIC_API_KEY", key)));
    backends.add(b);
    return b;
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

  /** A whole answer from {@code b}, called on a context as the backend verticle does. */
  JsonObject chat(AnthropicBackend b, ChatRequest r, CallContext c) {
    return await(OnContext.start(vertx, () -> b.chat(r, c)));
  }

  MeshException chatFails(AnthropicBackend b, ChatRequest r, CallContext c) {
    return Await.failure(OnContext.start(vertx, () -> b.chat(r, c)));
  }

  /** A stream from {@code b}, read to its end. */
  Drain.Drained stream(AnthropicBackend b, ChatRequest r) {
    return await(Drain.stream(vertx, () -> b.chatStream(r, ctx())));
  }

  @Override
  public void close() {
    backends.forEach(b -> await(b.stop()));
    await(fake.stop());
  }
}
