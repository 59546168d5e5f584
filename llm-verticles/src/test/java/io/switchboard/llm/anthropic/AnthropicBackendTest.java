package io.switchboard.llm.anthropic;

import io.switchboard.core.testkit.Await;
import io.switchboard.llm.testkit.Drain;
/*
 * Documented Anthropic Messages API behaviours this test covers (docs.anthropic.com: Messages, Streaming Messages,
 * Versioning), each against FakeAnthropic speaking that wire format:
 * - POST /v1/messages with x-api-key, anthropic-version: 2023-06-01 and content-type: application/json;
 * - max_tokens is required; system is a top-level parameter, not a message role; user/assistant turns alternate;
 *   stop_sequences, temperature (0..1), top_p; tools with input_schema and tool_choice;
 * - the message object: content blocks (text, tool_use), stop_reason end_turn / max_tokens / stop_sequence / tool_use,
 *   usage input_tokens / output_tokens (+ cache_creation_input_tokens / cache_read_input_tokens);
 * - streaming: event: lines message_start, content_block_start, ping, content_block_delta (text_delta,
 *   input_json_delta), content_block_stop, message_delta (stop_reason, cumulative output_tokens), message_stop;
 * - and the client's side of a stream: a slow reader pauses the upstream (TCP back-pressure reaches the server), a
 *   cancel resets the upstream request.
 * Errors and the network's failures: AnthropicFailuresTest.
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicBackendTest {

  private static Vertx vertx;
  private FakeAnthropic fake;
  private AnthropicBackend backend;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void start() throws Exception {
    fake = await(new FakeAnthropic(vertx).start());
    backend = backend(new JsonObject());
  }

  @AfterEach
  void stop() throws Exception {
    await(backend.stop());
    await(fake.stop());
  }

  private AnthropicBackend backend(JsonObject overrides) {
    JsonObject conf = new JsonObject().put("id", "claude").put("type", "anthropic").put("base_url", fake.baseUrl())
      .put("models", new JsonArray().add("claude-sonnet-4-5").add("claude-haiku-4-5"))
      .mergeIn(overrides, true);
    return (AnthropicBackend) new AnthropicProvider().create(vertx,
      new BackendConfig(conf, Map.of("ANTHROPIC_API_KEY", FakeAnthropic.KEY)));
  }

  private static ChatRequest request(boolean stream, JsonObject extra) {
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

  private static CallContext ctx() {
    return new CallContext("req-1", "key-1", System.currentTimeMillis() + 30_000);
  }

  @Test
  void wholeAnswerIsTranslatedBothWays() throws Exception {
    JsonObject out = await(Drain.onContext(vertx, () -> backend.chat(request(false,
      new JsonObject().put("stop", "never").put("temperature", 1.5).put("top_p", 0.9)), ctx())));

    JsonObject sent = fake.lastBody();
    assertEquals("claude-sonnet-4-5", sent.getString("model"));
    assertEquals(1024, sent.getInteger("max_tokens"), "Anthropic requires max_tokens: the conf default is sent");
    assertEquals("Be brief.\n\nAnswer in English.", sent.getString("system"));
    assertEquals(new JsonArray().add("never"), sent.getJsonArray("stop_sequences"));
    assertEquals(1.0, sent.getDouble("temperature"), "OpenAI allows 2, Anthropic 1");
    assertEquals(0.9, sent.getDouble("top_p"));
    assertFalse(sent.containsKey("stream"));
    JsonArray turns = sent.getJsonArray("messages");
    assertEquals(3, turns.size(), "the two trailing user messages are merged into one turn");
    assertEquals(2, turns.getJsonObject(2).getJsonArray("content").size());
    var headers = fake.headers.get(fake.headers.size() - 1);
    assertEquals(FakeAnthropic.KEY, headers.get("x-api-key"));
    assertEquals("2023-06-01", headers.get("anthropic-version"));
    assertEquals("application/json", headers.get("content-type"));

    assertEquals("chat.completion", out.getString("object"));
    JsonObject choice = out.getJsonArray("choices").getJsonObject(0);
    assertEquals("You said: First part,how are you today", choice.getJsonObject("message").getString("content"));
    assertEquals("assistant", choice.getJsonObject("message").getString("role"));
    assertEquals("stop", choice.getString("finish_reason"));
    JsonObject usage = out.getJsonObject("usage");
    assertTrue(usage.getLong("prompt_tokens") > 0);
    assertEquals(7, usage.getLong("completion_tokens"));
    assertEquals(usage.getLong("prompt_tokens") + 7, usage.getLong("total_tokens"));
  }

  @Test
  void maxTokensAndStopSequenceBecomeFinishReasons() throws Exception {
    JsonObject cut = await(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject().put("max_tokens", 2)), ctx())));
    assertEquals(2, fake.lastBody().getInteger("max_tokens"));
    assertEquals("length", cut.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals("You said:", cut.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));

    JsonObject stopped = await(Drain.onContext(vertx, () -> backend.chat(request(false, new JsonObject().put("stop", "are")), ctx())));
    assertEquals("stop", stopped.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals("You said: First part,how", stopped.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
  }

  @Test
  void toolUseBecomesToolCalls() throws Exception {
    fake.toolName = "get_weather";
    fake.toolInput = new JsonObject().put("city", "Paris").put("unit", "c");
    JsonObject tools = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "get_weather").put("description", "Weather now")
          .put("parameters", new JsonObject().put("type", "object")))))
      .put("tool_choice", "required");
    JsonObject out = await(Drain.onContext(vertx, () -> backend.chat(request(false, tools), ctx())));
    JsonObject sent = fake.lastBody();
    assertEquals("get_weather", sent.getJsonArray("tools").getJsonObject(0).getString("name"));
    assertEquals(new JsonObject().put("type", "object"), sent.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema"));
    assertEquals("any", sent.getJsonObject("tool_choice").getString("type"));
    JsonObject choice = out.getJsonArray("choices").getJsonObject(0);
    assertEquals("tool_calls", choice.getString("finish_reason"));
    JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
    assertEquals("toolu_01A", call.getString("id"));
    assertEquals("get_weather", call.getJsonObject("function").getString("name"));
    assertEquals(fake.toolInput, new JsonObject(call.getJsonObject("function").getString("arguments")));

    Drain.Drained streamed = await(Drain.stream(vertx, () -> backend.chatStream(request(true, tools), ctx())));
    StringBuilder args = new StringBuilder();
    String name = null;
    for (JsonObject c : streamed.chunks()) {
      JsonArray calls = c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getJsonArray("tool_calls");
      if (calls != null) {
        JsonObject fn = calls.getJsonObject(0).getJsonObject("function");
        name = fn.getString("name") != null ? fn.getString("name") : name;
        args.append(fn.getString("arguments"));
      }
    }
    assertEquals("get_weather", name);
    assertEquals(fake.toolInput, new JsonObject(args.toString()));
    JsonObject last = streamed.chunks().get(streamed.chunks().size() - 1);
    assertEquals("tool_calls", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
  }

  @Test
  void streamTranslatesEveryEventAndEndsWithUsage() throws Exception {
    Drain.Drained d = await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx())));
    assertNull(d.failure());
    assertTrue(fake.lastBody().getBoolean("stream"));
    assertEquals("You said: First part,how are you today", d.text());
    JsonObject first = d.chunks().get(0);
    assertEquals("chat.completion.chunk", first.getString("object"));
    assertEquals("msg_01Fake", first.getString("id"));
    assertEquals("assistant", first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"));
    JsonObject last = d.chunks().get(d.chunks().size() - 1);
    assertEquals("stop", last.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(8, d.chunks().size(), "seven text deltas and the finish chunk; ping and block events yield none");
    JsonObject usage = d.trailer().getJsonObject("usage");
    assertEquals(7, usage.getLong("completion_tokens"), "message_delta's cumulative output_tokens");
    assertTrue(usage.getLong("prompt_tokens") > 0, "message_start's input_tokens");
  }

  @Test
  void slowReaderPausesUpstreamAndLosesNothing() throws Exception {
    await(Drain.stream(vertx, () -> backend.chatStream(request(true, new JsonObject()), ctx()))); // warm the code path
    int words = 5_000;
    fake.longAnswerWords = words;
    Context ctx = vertx.getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(request(true, new JsonObject().put("max_tokens", 250_000)), ctx())));
    // Nobody reads the pipe. A reader that did not pause would pull hundreds of chunks a second off the socket into
    // memory; this one stops at the pipe's high-water mark (64) plus what one read carried.
    Await.until("the fake is streaming", () -> fake.deltasSent.get() >= 200);
    Thread.sleep(1_000);

    Promise<Drain.Drained> p = Promise.promise();
    AtomicReference<List<JsonObject>> firstBatch = new AtomicReference<>();
    ctx.runOnContext(v -> {
      firstBatch.set(pipe.get().takeAll());
      Drain.read(pipe.get(), p);
    });
    Drain.Drained d = await(p.future());
    assertNull(d.failure());
    assertTrue(firstBatch.get().size() < 500, "buffered while paused: " + firstBatch.get().size() + " chunks");
    String text = new Drain.Drained(firstBatch.get(), null, null).text() + d.text();
    assertTrue(text.startsWith("w0 w1 w2 "));
    assertTrue(text.endsWith(" w" + (words - 1)));
    assertEquals(words, text.split(" ").length, "every delta arrived once, in order");
  }

  @Test
  void cancellingTheStreamResetsTheUpstreamRequest() throws Exception {
    fake.longAnswerWords = 5_000;
    fake.paceMs = 20;
    Context ctx = vertx.getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(request(true, new JsonObject().put("max_tokens", 250_000)), ctx())));
    Await.until("the stream is flowing", () -> fake.deltasSent.get() > 5);
    ctx.runOnContext(v -> pipe.get().cancel());
    Await.until("the fake sees the connection reset", () -> fake.closedEarly.get() == 1);
    assertFalse(fake.streamFinished);
  }

  @Test
  void providerReadsConfAndEnvironment() {
    BackendUnavailableException noKey = assertThrows(BackendUnavailableException.class, () -> new AnthropicProvider()
      .create(vertx, new BackendConfig(new JsonObject().put("id", "c").put("type", "anthropic"), Map.of())));
    assertEquals("ANTHROPIC_API_KEY not set", noKey.getMessage());

    AnthropicSettings s = AnthropicSettings.from(new BackendConfig(
      new JsonObject().put("id", "c").put("base_url", "https://ignored.example").put("default_max_tokens", 64),
      Map.of("ANTHROPIC_API_KEY", "sk-ant-x-123456789012", "ANTHROPIC_BASE_URL", "http://proxy.local:8080/")));
    assertEquals("http://proxy.local:8080", s.baseUrl(), "the env var named by base_url_env wins");
    assertEquals(64, s.defaultMaxTokens());
    assertFalse(s.toString().contains("sk-ant-x"));

    AnthropicBackend zdr = backend(new JsonObject().put("privacy", "zdr").put("aliases", new JsonObject().put("heavy", "claude-sonnet-4-5")));
    assertEquals(Privacy.ZDR, zdr.descriptor().privacy());
    assertEquals("claude-sonnet-4-5", zdr.descriptor().resolveModel("heavy"));
    assertEquals(Privacy.CLOUD, backend.descriptor().privacy());
    assertEquals("anthropic", backend.descriptor().type());
  }
}
