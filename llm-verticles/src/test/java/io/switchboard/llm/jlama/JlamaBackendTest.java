package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.DType;
import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import static io.switchboard.llm.jlama.BusChat.await;
import static io.switchboard.llm.jlama.BusChat.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jlama backend behind a real BackendVerticle, driven over the event bus, on the tiny Llama the test writes. */
class JlamaBackendTest {

  @TempDir
  static Path dir;
  static Path model;
  static Vertx vertx;
  static JlamaBackend backend;
  static BusChat bus;

  @BeforeAll
  static void deploy() throws Exception {
    vertx = Vertx.vertx();
    model = TinyLlama.write(dir.resolve("tiny"));
    backend = (JlamaBackend) new JlamaProvider().create(vertx, conf("tiny-llm"));
    await(vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 200))));
    bus = new BusChat(vertx, "tiny-llm");
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  static BackendConfig conf(String id) {
    return new BackendConfig(new JsonObject().put("id", id).put("type", "jlama").put("model_path", model.toString())
      .put("models", new JsonArray().add("tiny")), Map.of());
  }

  @Test
  void announcesAFreeLocalChatModelAndIsUpOnceLoaded() throws Exception {
    BackendDescriptor d = backend.descriptor();
    assertEquals(Set.of(Capability.CHAT), d.capabilities());
    assertEquals(Privacy.LOCAL, d.privacy());
    assertEquals(List.of("tiny"), d.models());
    assertEquals(1, d.concurrency());
    assertTrue(d.pricesFor("tiny").isFree());
    assertEquals(Health.UP, await(backend.health()));
    Promise<JsonObject> announced = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(Addresses.REGISTRY, m -> {
      if ("tiny-llm".equals(m.body().getString("id"))) {
        announced.tryComplete(m.body());
      }
    });
    JsonObject a = await(announced.future());
    assertEquals("local", a.getString("privacy"));
    assertEquals("up", a.getJsonObject("health").getString("status"));
  }

  @Test
  void electricityFromConfIsThePrice() {
    BackendConfig c = conf("priced");
    c.json().put("electricity_per_mtok", 0.02);
    BackendDescriptor d = JlamaSettings.from(c, dir).descriptor();
    assertEquals(0.02, d.pricesFor("tiny").inputPerMTok());
    assertEquals(0.02, d.pricesFor("tiny").outputPerMTok());
  }

  @Test
  void nonStreamingAnswerHasExactlyMaxTokensAndUsage() throws Exception {
    JsonObject answer = (JsonObject) await(bus.send(request("hello", 24, 5))).body();
    assertEquals("chat.completion", answer.getString("object"));
    assertEquals("tiny", answer.getString("model"));
    JsonObject choice = answer.getJsonArray("choices").getJsonObject(0);
    assertEquals("assistant", choice.getJsonObject("message").getString("role"));
    assertFalse(choice.getJsonObject("message").getString("content").isEmpty());
    assertEquals("length", choice.getString("finish_reason"));
    JsonObject usage = answer.getJsonObject("usage");
    assertEquals(24, usage.getInteger("completion_tokens"));
    assertTrue(usage.getInteger("prompt_tokens") > 5);
    assertEquals(usage.getInteger("prompt_tokens") + 24, usage.getInteger("total_tokens"));
  }

  @Test
  void streamingAnswerIsTheSameTextInChunks() throws Exception {
    JsonObject whole = (JsonObject) await(bus.send(request("stream me", 30, 9))).body();
    BusChat.Streamed streamed = await(bus.stream(request("stream me", 30, 9)));
    assertEquals(whole.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"), streamed.text());
    assertTrue(streamed.chunks().size() > 2);
    JsonObject first = streamed.chunks().get(0);
    assertEquals("chat.completion.chunk", first.getString("object"));
    assertEquals("assistant", first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"));
    assertEquals("length", streamed.finishReason());
    assertEquals(30, streamed.usage().getInteger("completion_tokens"));
    assertEquals(whole.getJsonObject("usage").getInteger("prompt_tokens"), streamed.usage().getInteger("prompt_tokens"));
  }

  @Test
  void aStopSequenceIsHonouredAndNotEmitted() throws Exception {
    String full = (await(bus.stream(request("stop here", 50, 21)))).text();
    String stop = full.substring(25, 28);
    BusChat.Streamed cut = await(bus.stream(request("stop here", 50, 21).put("stop", new JsonArray().add(stop))));
    assertEquals(full.substring(0, full.indexOf(stop)), cut.text());
    assertEquals("stop", cut.finishReason());
    assertTrue(cut.usage().getInteger("completion_tokens") < 50);
  }

  @Test
  void cancellingAStreamStopsTheGeneration() throws Exception {
    long before = backend.generatedTokens();
    Message<Object> first = await(bus.send(request("cancel me", 2000, 4).put("stream", true)));
    assertTrue(BusStreams.isStream(first));
    BusStreams.cancel(first);
    for (int i = 0; i < 400 && backend.activeGenerations() > 0; i++) {
      Thread.sleep(25);
    }
    assertEquals(0, backend.activeGenerations(), "the generation ended");
    long generated = backend.generatedTokens() - before;
    assertTrue(generated < 200, "generated " + generated + " of 2000 tokens after the cancel");
  }

  @Test
  void aFullQueueAnswers429ThroughTheBus() throws Exception {
    BackendConfig c = conf("tiny-queue");
    c.json().put("max_queue", 1);
    BackendDeployer.Outcome out = await(new BackendDeployer(vertx, Map.of()).register(new JlamaProvider())
      .deploy(c, new JsonObject().put("heartbeat_ms", 200)));
    assertTrue(out.started(), out.reason());
    BusChat queued = new BusChat(vertx, "tiny-queue");
    // The first request takes the only slot and keeps it: its caller never pulls past the first message.
    Message<Object> holding = await(queued.send(request("hold", 3000, 1).put("stream", true)));
    Future<Message<Object>> waiting = queued.send(request("wait", 8, 2));
    ExecutionException full = assertThrows(ExecutionException.class, () -> await(queued.send(request("rejected", 8, 3))));
    MeshException e = assertInstanceOf(MeshException.class, full.getCause());
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode());
    assertEquals(429, e.failureCode());
    assertTrue(e.retryAfterMs() > 0);
    assertFalse(waiting.isComplete(), "the queued request waits for the slot");
    BusStreams.cancel(holding);
    JsonObject served = (JsonObject) await(waiting).body();
    assertEquals(8, served.getJsonObject("usage").getInteger("completion_tokens"));
    await(vertx.undeploy(out.deploymentId()));
  }

  @Test
  void promptPlusMaxTokensBeyondTheContextIsA400() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      ExecutionException ex = assertThrows(ExecutionException.class,
        () -> await(bus.send(request("too long", TinyLlama.CONTEXT, 1).put("stream", stream))));
      ReplyException r = assertInstanceOf(ReplyException.class, ex.getCause());
      assertEquals(400, r.failureCode());
      assertEquals(ErrorCode.CONTEXT_TOO_LONG, MeshException.from(r).errorCode());
    }
  }

  @Test
  void healthSaysLoadingUntilTheModelIsLoaded() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    JlamaSettings s = JlamaSettings.from(conf("gated"), dir);
    JlamaBackend gated = new JlamaBackend(vertx, s, () -> {
      gate.await();
      return JlamaEngine.load(s.modelDir(), s.workingDType(), s.workingQType(), s.quantizeTo());
    });
    Future<Void> started = gated.start();
    assertEquals(Health.down("loading"), await(gated.health()));
    ExecutionException ex = assertThrows(ExecutionException.class, () -> await(gated.chat(
      ChatRequest.fromJson(request("early", 4, 1)), new CallContext("r", null, Long.MAX_VALUE))));
    assertEquals(ErrorCode.UNAVAILABLE, assertInstanceOf(MeshException.class, ex.getCause()).errorCode());
    assertFalse(started.isComplete());
    gate.countDown();
    await(started);
    assertEquals(Health.UP, await(gated.health()));
    await(gated.stop());
  }

  @Test
  void aFolderThatIsNoModelFailsToStartWithTheReason(@TempDir Path empty) throws Exception {
    BackendConfig c = new BackendConfig(new JsonObject().put("id", "broken").put("type", "jlama").put("model_path", empty.toString()), Map.of());
    BackendDeployer.Outcome out = await(new BackendDeployer(vertx, Map.of()).register(new JlamaProvider()).deploy(c, new JsonObject()));
    assertFalse(out.started());
    assertTrue(out.reason().contains("config.json"), out.reason());
  }

  @Test
  void aModelThatIsNotInstalledNamesThePullCommand() {
    BackendConfig c = new BackendConfig(new JsonObject().put("id", "absent").put("type", "jlama").put("model", "someone/NotThere")
      .put("models_dir", dir.toString()), Map.of());
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> new JlamaProvider().create(vertx, c));
    assertTrue(e.getMessage().contains("mesh models pull someone/NotThere"), e.getMessage());
  }

  @Test
  void badConfIsRefusedWithTheKey() {
    BackendConfig c = conf("bad");
    c.json().put("working_dtype", "Q4");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JlamaSettings.from(c, dir));
    assertTrue(e.getMessage().contains("working_dtype"), e.getMessage());
    BackendConfig q = conf("q");
    q.json().put("quantize", "q4");
    assertEquals(Optional.of(DType.Q4), JlamaSettings.from(q, dir).quantizeTo());
    q.json().put("quantize", "Q8");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JlamaSettings.from(q, dir)).getMessage().contains("quantize"));
  }

  /**
   * A Q4 model runs on Switchboard's pass with prefix reuse: a conversation's second turn, sent as an ordinary chat
   * request with the history, reports its cached prompt tokens as OpenAI does, and the health reason shows the cache.
   */
  @Test
  void aConversationsNextTurnReportsCachedPromptTokens() throws Exception {
    Path q4 = JlamaModels.quantize(TinyLlama.write(dir.resolve("tiny-q4-backend")), DType.Q4);
    BackendConfig c = new BackendConfig(new JsonObject().put("id", "tiny-q4").put("type", "jlama").put("model_path", q4.toString())
      .put("models", new JsonArray().add("tiny")).put("prefix_cache_bytes", 16L << 20), Map.of());
    BackendDeployer.Outcome out = await(new BackendDeployer(vertx, Map.of()).register(new JlamaProvider())
      .deploy(c, new JsonObject().put("heartbeat_ms", 200)));
    assertTrue(out.started(), out.reason());
    BusChat q4Bus = new BusChat(vertx, "tiny-q4");
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "system").put("content", "a system prompt for the cache"))
      .add(new JsonObject().put("role", "user").put("content", "first turn"));
    JsonObject first = (JsonObject) await(q4Bus.send(request("x", 12, 3).put("messages", history.copy()))).body();
    assertEquals(0, first.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"));
    history.add(new JsonObject().put("role", "assistant")
      .put("content", first.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content")));
    history.add(new JsonObject().put("role", "user").put("content", "second turn"));
    BusChat.Streamed second = await(q4Bus.stream(request("x", 12, 4).put("messages", history.copy())));
    int cached = second.usage().getJsonObject("prompt_tokens_details").getInteger("cached_tokens");
    int firstPrompt = first.getJsonObject("usage").getInteger("prompt_tokens");
    assertTrue(cached >= firstPrompt && cached < second.usage().getInteger("prompt_tokens"), "cached " + cached + " after a first prompt of " + firstPrompt);
    Health health = await(vertx.eventBus().<JsonObject>request(Addresses.backend("tiny-q4"), new JsonObject(),
      new DeliveryOptions().addHeader(Headers.OP, Headers.OP_HEALTH)).map(m -> Health.fromJson(m.body())));
    assertTrue(health.isUp());
    assertTrue(health.reason().startsWith("prefix cache: 1 entry, "), health.reason());
    assertTrue(health.reason().contains(" of 16.0 MiB, 1 hits, 1 misses, " + cached + " prompt tokens reused"), health.reason());
    await(vertx.undeploy(out.deploymentId()));
  }

  @Test
  void thePrefixCacheBudgetIsBytesAndMayBeZero() {
    assertEquals(512L << 20, JlamaSettings.from(conf("default-cache"), dir).prefixCacheBytes());
    BackendConfig off = conf("off");
    off.json().put("prefix_cache_bytes", 0);
    assertEquals(0, JlamaSettings.from(off, dir).prefixCacheBytes());
    off.json().put("prefix_cache_bytes", -1);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JlamaSettings.from(off, dir)).getMessage().contains("prefix_cache_bytes"));
  }

  @Test
  void theQ4KernelIsVectorUnlessConfSaysJlama() {
    assertTrue(JlamaSettings.from(conf("default"), dir).vectorKernel());
    BackendConfig j = conf("j");
    j.json().put("q4_kernel", "Jlama");
    assertFalse(JlamaSettings.from(j, dir).vectorKernel());
    j.json().put("q4_kernel", "fast");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JlamaSettings.from(j, dir)).getMessage().contains("q4_kernel"));
  }
}
