package io.switchboard.llm.anthropic;

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

import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.anthropic.AnthropicFixture.ctx;
import static io.switchboard.llm.anthropic.AnthropicFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicBackendTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final FakeAnthropic fake = AnthropicFixture.fake(vx);
  private final ChatFixture<AnthropicBackend> kit = AnthropicFixture.backends(vx, fake);
  private final AnthropicBackend backend = kit.backend(new JsonObject());

  @Test
  void wholeAnswerIsTranslatedBothWays() {
    JsonObject out = kit.chat(backend, request(false,
      new JsonObject().put("stop", "never").put("temperature", 1.5).put("top_p", 0.9)), ctx());

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
  void maxTokensAndStopSequenceBecomeFinishReasons() {
    JsonObject cut = kit.chat(backend, request(false, new JsonObject().put("max_tokens", 2)), ctx());
    assertEquals(2, fake.lastBody().getInteger("max_tokens"));
    assertEquals("length", cut.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals("You said:", cut.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));

    JsonObject stopped = kit.chat(backend, request(false, new JsonObject().put("stop", "are")), ctx());
    assertEquals("stop", stopped.getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals("You said: First part,how", stopped.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
  }

  @Test
  void toolUseBecomesToolCalls() {
    fake.toolName = "get_weather";
    fake.toolInput = new JsonObject().put("city", "Paris").put("unit", "c");
    JsonObject tools = new JsonObject().put("tools", new JsonArray().add(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "get_weather").put("description", "Weather now")
          .put("parameters", new JsonObject().put("type", "object")))))
      .put("tool_choice", "required");
    JsonObject out = kit.chat(backend, request(false, tools), ctx());
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

    Drain.Drained streamed = kit.stream(backend, request(true, tools), ctx());
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
  void streamTranslatesEveryEventAndEndsWithUsage() {
    Drain.Drained d = kit.stream(backend, request(true), ctx());
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
  void slowReaderPausesUpstreamAndLosesNothing() {
    kit.stream(backend, request(true), ctx()); // warm the code path
    int words = 5_000;
    fake.longAnswerWords = words;
    Context ctx = vx.get().getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(request(true, new JsonObject().put("max_tokens", 250_000)), ctx())));
    // Nobody reads the pipe. A reader that did not pause would pull hundreds of chunks a second off the socket into
    // memory; this one stops at the pipe's high-water mark (64) plus what one read carried, and the fake's writes
    // block: TCP back-pressure reached the server.
    await(fake.once(() -> fake.waitingForDrain));

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
  void cancellingTheStreamResetsTheUpstreamRequest() {
    fake.longAnswerWords = 5_000;
    fake.paceMs = 20;
    Context ctx = vx.get().getOrCreateContext();
    AtomicReference<ChunkPipe<JsonObject>> pipe = new AtomicReference<>();
    ctx.runOnContext(v -> pipe.set(backend.chatStream(request(true, new JsonObject().put("max_tokens", 250_000)), ctx())));
    await(fake.once(() -> fake.deltasSent.get() > 5));
    ctx.runOnContext(v -> pipe.get().cancel());
    await(fake.once(() -> fake.closedEarly.get() == 1));
    assertFalse(fake.streamFinished);
  }

  @Test
  void providerReadsConfAndEnvironment() {
    BackendUnavailableException noKey = assertThrows(BackendUnavailableException.class, () -> new AnthropicProvider()
      .create(vx.get(), new BackendConfig(new JsonObject().put("id", "c").put("type", "anthropic"), Map.of())));
    assertEquals("ANTHROPIC_API_KEY not set", noKey.getMessage());

    AnthropicSettings s = AnthropicSettings.from(new BackendConfig(
      new JsonObject().put("id", "c").put("base_url", "https://ignored.example").put("default_max_tokens", 64),
      Map.of("ANTHROPIC_API_KEY", "sk-ant-x-123456789012", "ANTHROPIC_BASE_URL", "http://proxy.local:8080/")));
    assertEquals("http://proxy.local:8080", s.baseUrl(), "the env var named by base_url_env wins");
    assertEquals(64, s.defaultMaxTokens());
    assertFalse(s.toString().contains("sk-ant-x"));

    AnthropicBackend zdr = kit.backend(new JsonObject().put("privacy", "zdr").put("aliases", new JsonObject().put("heavy", "claude-sonnet-4-5")));
    assertEquals(Privacy.ZDR, zdr.descriptor().privacy());
    assertEquals("claude-sonnet-4-5", zdr.descriptor().resolveModel("heavy"));
    assertEquals(Privacy.CLOUD, backend.descriptor().privacy());
    assertEquals("anthropic", backend.descriptor().type());
  }
}
