package io.switchboard.llm.openai;

import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.Drain.Drained;
import io.switchboard.core.testkit.Await;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.switchboard.api.ChatRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.switchboard.llm.openai.OpenAiTestKit.KEY;
import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.llm.openai.OpenAiTestKit.chat;
import static io.switchboard.llm.openai.OpenAiTestKit.conf;
import static io.switchboard.llm.openai.OpenAiTestKit.ctx;
import static io.switchboard.llm.openai.OpenAiTestKit.embedding;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The happy paths of the OpenAI-compatible adapter against the fake, plus stream cuts, cancellation and back-pressure. */
class OpenAiCompatibleBackendTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  private final Vertx vertx = vx.get();
  private final FakeOpenAiServer fake = OpenAiTestKit.fake(vx);
  private final OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vx, fake);

  @Test
  void chatReturnsTheUpstreamCompletion() {
    fake.enqueue(Behaviour.reply("Paris is the capital."));
    JsonObject reply = await(backend.chat(chat("Capital of France?", false), ctx()));

    assertEquals("Paris is the capital.", reply.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("chat.completion", reply.getString("object"));
    assertTrue(reply.getJsonObject("usage").getLong("prompt_tokens") > 0);

    RecordedRequest req = fake.lastRequest();
    assertEquals("/v1/chat/completions", req.path());
    assertEquals(KEY, req.bearer());
    assertEquals("req-42", req.header("x-request-id"));
    assertTrue(req.header("content-type").startsWith("application/json"));
    assertEquals("gpt-4o-mini", req.body().getString("model"));
    assertEquals("Capital of France?", req.body().getJsonArray("messages").getJsonObject(0).getString("content"));
    assertFalse(req.body().containsKey("stream"), "a whole answer is asked without 'stream'");
  }

  @Test
  void chatAddsZeroUsageWhenTheUpstreamOmitsIt() {
    fake.enqueue(Behaviour.reply("ok").usage(false));
    JsonObject reply = await(backend.chat(chat("hi", false), ctx()));
    assertEquals(new JsonObject().put("prompt_tokens", 0L).put("completion_tokens", 0L).put("total_tokens", 0L), reply.getJsonObject("usage"));
  }

  @Test
  void chatPassesUnknownFieldsThrough() {
    JsonObject body = chat("hi", false).toUpstreamJson().put("response_format", new JsonObject().put("type", "json_object")).put("n", 1);
    await(backend.chat(ChatRequest.fromJson(body), ctx()));
    assertEquals("json_object", fake.lastRequest().body().getJsonObject("response_format").getString("type"));
  }

  @Test
  void streamDeliversTokensInOrderWithUsageInTheTrailer() {
    fake.enqueue(Behaviour.reply("one two three four five").chunkDelayMs(2));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("count to five", true), ctx())));

    assertEquals("one two three four five", got.text());
    // role chunk + 5 content chunks + finish chunk; the usage-only chunk is not forwarded.
    assertEquals(7, got.chunks().size());
    assertTrue(got.chunks().stream().allMatch(c -> !c.getJsonArray("choices").isEmpty()));
    assertEquals("stop", got.chunks().get(6).getJsonArray("choices").getJsonObject(0).getString("finish_reason"));
    assertEquals(5L, got.usage().getLong("completion_tokens"));
    assertEquals(got.usage().getLong("prompt_tokens") + 5, got.usage().getLong("total_tokens"));

    JsonObject sent = fake.lastRequest().body();
    assertEquals(true, sent.getBoolean("stream"));
    assertEquals(new JsonObject().put("include_usage", true), sent.getJsonObject("stream_options"));
    assertEquals("text/event-stream", fake.lastRequest().header("accept"));
  }

  @Test
  void streamUsageCanBeSwitchedOff() {
    OpenAiCompatibleBackend quiet = OpenAiTestKit.backend(vertx, conf(fake).put("stream_usage", false));
    fake.enqueue(Behaviour.reply("a b"));
    Drained got = await(Drain.stream(vertx, () -> quiet.chatStream(chat("hi", true), ctx())));
    assertEquals("a b", got.text());
    assertEquals(0L, got.usage().getLong("total_tokens"));
    assertNull(fake.lastRequest().body().getValue("stream_options"));
    await(quiet.stop());
  }

  @Test
  void callersOwnStreamOptionsAreKept() {
    JsonObject body = chat("hi", true).toUpstreamJson().put("stream_options", new JsonObject().put("include_usage", false));
    await(Drain.stream(vertx, () -> backend.chatStream(ChatRequest.fromJson(body), ctx())));
    assertEquals(new JsonObject().put("include_usage", false), fake.lastRequest().body().getJsonObject("stream_options"));
  }

  @Test
  void streamCutMidwayFailsInsteadOfEnding() {
    fake.enqueue(Behaviour.reply("one two three four five").cutAfter(2));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx())));
    MeshException e = got.meshFailure();
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("openai: upstream stream ended before [DONE]", e.getMessage());
    assertTrue(got.text().startsWith("one "), "content before the cut was delivered: " + got.text());
  }

  /** An SSE stream that breaks after some text: the text it delivers, then what its UPSTREAM failure says. */
  record Broken(String name, List<String> frames, String delivered, String says) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> brokenStreams() {
    return Stream.of(
      new Broken("clean end without [DONE]", List.of(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n"), "half", "before [DONE]"),
      new Broken("malformed JSON", List.of(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":\n\n",
        "data: [DONE]\n\n"), "ok", "malformed JSON"),
      new Broken("error event (OpenRouter)", List.of(
        ": OPENROUTER PROCESSING\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\n",
        "data: {\"error\":{\"message\":\"Provider overloaded\",\"code\":502}}\n\n"), "par", "Provider overloaded")
    ).map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenStreams")
  void aBrokenStreamFailsUpstreamAfterWhatItDelivered(Broken b) {
    fake.enqueue(Behaviour.sse(b.frames().toArray(String[]::new)));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx())));
    assertEquals(b.delivered(), got.text());
    assertEquals(ErrorCode.UPSTREAM, got.meshFailure().errorCode());
    assertTrue(got.meshFailure().getMessage().contains(b.says()), got.meshFailure().getMessage());
  }

  @Test
  void sseFramingVariantsFromOtherServersAreRead() {
    // No space after "data:", CRLF line ends, a keep-alive comment, the usage on the last content chunk (vLLM style).
    fake.enqueue(Behaviour.sse(
      "data:{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hé\"}}]}\r\n\r\n",
      ": keep-alive\r\n\r\n",
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\r\n\r\n",
      "data:[DONE]\r\n\r\n"));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx())));
    assertEquals("Héllo", got.text());
    assertEquals(5L, got.usage().getLong("total_tokens"));
  }

  @Test
  void cancellingTheStreamClosesTheUpstreamConnection() {
    fake.enqueue(Behaviour.reply("a b c d e f g h i j k l m n o p q r s t").chunkDelayMs(100));
    Drained got = await(Drain.stream(vertx, () -> backend.chatStream(chat("hi", true), ctx()), pipe -> pipe.cancel()));
    assertEquals(ErrorCode.CANCELLED, got.meshFailure().errorCode());
    await(fake.lastRequest().closedEarly());
    assertEquals(1, fake.abortedCount());
  }

  @Test
  void aSlowReaderPausesTheUpstream() {
    int words = 10_000;
    fake.enqueue(Behaviour.reply("w ".repeat(words).trim()));
    int[] written = {0};
    Promise<Void> filled = Promise.promise();
    List<ChunkPipe<JsonObject>> holder = new ArrayList<>();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      ChunkPipe<JsonObject> pipe = backend.chatStream(chat("hi", true), ctx());
      holder.add(pipe);
      pipe.availableHandler(() -> {
        if (++written[0] >= 64) {
          filled.tryComplete();
        }
      });
    });
    // Nobody takes from the pipe. Paused, the adapter holds at most the pipe's high-water mark plus the rest of one
    // read (64 KB, a few hundred chunks); unpaused it would read on through ~2 MB of stream. Once the pipe is full
    // and the fake's writes block on TCP back-pressure, a window shows the adapter does not read on.
    await(filled.future());
    await(fake.once(() -> fake.backPressureCount() > 0));
    Await.quiet(vertx, 500);
    int buffered = await(onContext(context, () -> written[0]));
    assertTrue(buffered < 1_000, "the adapter kept reading while the pipe was full: " + buffered + " chunks buffered");

    // Now drain: every chunk arrives and the stream ends cleanly.
    Promise<Integer> total = Promise.promise();
    context.runOnContext(v -> {
      ChunkPipe<JsonObject> pipe = holder.get(0);
      int[] taken = {0};
      pipe.availableHandler(() -> {
        taken[0] += pipe.takeAll().size();
        if (pipe.isTerminated() && !pipe.hasItems()) {
          total.tryComplete(pipe.isEnded() ? taken[0] : -1);
        }
      });
    });
    // role chunk + content chunks + finish chunk
    assertEquals(words + 2, await(total.future()));
  }

  private static <T> Future<T> onContext(Context context, Supplier<T> read) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.complete(read.get()));
    return p.future();
  }

  @Test
  void sequentialRequestsReuseOneKeepAliveConnection() {
    for (int i = 0; i < 4; i++) {
      await(backend.chat(chat("hi " + i, false), ctx()));
    }
    assertEquals(4, fake.requestCount());
    assertEquals(1, fake.connectionCount());
  }

  @Test
  void staticHeadersAreSentOpenRouterStyle() {
    JsonObject c = conf(fake).put("id", "openrouter")
      .put("headers", new JsonObject().put("HTTP-Referer", "https://switchboard.example").put("X-Title", "Switchboard"));
    OpenAiCompatibleBackend openrouter = OpenAiTestKit.backend(vertx, c);
    await(openrouter.chat(chat("hi", false), ctx()));
    assertEquals("https://switchboard.example", fake.lastRequest().header("HTTP-Referer"));
    assertEquals("Switchboard", fake.lastRequest().header("X-Title"));
    await(openrouter.stop());
  }

  @Test
  void workstationWithoutKeySendsNoAuthorization() {
    fake.requireKey(null);
    JsonObject c = conf(fake).put("id", "workstation").put("api_key_env", "WORKSTATION_API_KEY").put("api_key_optional", true);
    OpenAiCompatibleBackend ws = new OpenAiCompatibleBackend(vertx, OpenAiSettings.from(new BackendConfig(c, Map.of())));
    await(ws.chat(chat("hi", false), ctx()));
    assertNull(fake.lastRequest().header("Authorization"));
    await(ws.stop());
  }

  @Test
  void embeddingsAsFloats() {
    JsonObject reply = await(backend.embed(embedding(new JsonObject(), "alpha", "beta"), ctx()));
    assertEquals("list", reply.getString("object"));
    JsonArray data = reply.getJsonArray("data");
    assertEquals(2, data.size());
    assertEquals(8, data.getJsonObject(0).getJsonArray("embedding").size());
    assertEquals(1, data.getJsonObject(1).getInteger("index"));
    RecordedRequest req = fake.lastRequest();
    assertEquals("/v1/embeddings", req.path());
    assertEquals(new JsonArray().add("alpha").add("beta"), req.body().getJsonArray("input"));
    assertFalse(req.body().containsKey("encoding_format"));
  }

  @Test
  void embeddingsAsBase64WithDimensionsPassThrough() {
    JsonObject reply = await(backend.embed(
      embedding(new JsonObject().put("encoding_format", "base64").put("dimensions", 4), "alpha"), ctx()));
    String b64 = reply.getJsonArray("data").getJsonObject(0).getString("embedding");
    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(16, bytes.remaining(), "4 float32 values");
    float first = bytes.getFloat();
    assertTrue(first >= -1 && first <= 1);
    assertEquals("base64", fake.lastRequest().body().getString("encoding_format"));
    assertEquals(4, fake.lastRequest().body().getInteger("dimensions"));
  }

  @Test
  void embeddingsWithTheWrongCountAreAnUpstreamError() {
    fake.enqueue(Behaviour.raw(200, "application/json",
      "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1]}],\"model\":\"m\"}"));
    MeshException e = failure(backend.embed(embedding(new JsonObject(), "a", "b"), ctx()));
    assertEquals(ErrorCode.UPSTREAM, e.errorCode());
    assertEquals("openai: upstream returned 1 embeddings for 2 inputs", e.getMessage());
  }

  @Test
  void aCapabilityNotConfiguredIsRefused() {
    OpenAiCompatibleBackend chatOnly = OpenAiTestKit.backend(vertx, conf(fake).put("capabilities", new JsonArray().add("chat")));
    MeshException e = failure(chatOnly.embed(embedding(new JsonObject(), "a"), ctx()));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("openai does not serve embeddings", e.getMessage());
    assertEquals(0, fake.requestCount(), "nothing went upstream");
    await(chatOnly.stop());
  }
}
