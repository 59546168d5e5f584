package io.switchboard.app;

import io.switchboard.api.Addresses;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The foundation's whole path, end to end: HTTP or bus → router → the real OpenAI-compatible adapter → a local
 * fake OpenAI server speaking the real wire format, with two backends so failover is visible.
 */
@ExtendWith(VertxExtension.class)
class ChatEndToEndTest {

  static final String SECRET = "sk-live-Zq8vN3kPwX7mR2tYb5LcH9dJ";

  private FakeOpenAiServer primary;
  private FakeOpenAiServer secondary;
  private WebClient client;
  private Context context;
  private int port;
  private LogCapture logs;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    logs = new LogCapture();
    primary = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey(SECRET);
    secondary = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey("sk-second-key-000000000000");
    JsonObject config = new JsonObject()
      .put("router", new JsonObject().put("heartbeat_timeout_ms", 3000))
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("backend_defaults", new JsonObject().put("heartbeat_ms", 500))
      .put("usage", new JsonObject().put("data_dir", java.nio.file.Files.createTempDirectory("sb-usage").toString()))
      .put("backends", new JsonArray()
        .add(backend("primary", 10, primary, "PRIMARY_KEY"))
        .add(backend("secondary", 20, secondary, "SECOND_KEY"))
        .add(backend("absent", 30, secondary, "ABSENT_KEY")));
    NodeOptions options = new NodeOptions("all", Set.of(), false, Path.of("conf"), null,
      Map.of("PRIMARY_KEY", SECRET, "SECOND_KEY", "sk-second-key-000000000000"), false);
    MeshNode.Started started = MeshNode.deploy(vertx, options, config).await(20, TimeUnit.SECONDS);
    port = started.httpPort();
    assertEquals("ABSENT_KEY not set", started.backends().stream().filter(o -> o.id().equals("absent")).findFirst().orElseThrow().reason());
    client = WebClient.create(vertx);
    context = vertx.getOrCreateContext();
    awaitReady(vertx);
  }

  @AfterEach
  void stop() {
    logs.close();
  }

  private static JsonObject backend(String id, int priority, FakeOpenAiServer fake, String keyEnv) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", keyEnv).put("capabilities", new JsonArray().add("chat")).put("privacy", "cloud")
      .put("priority", priority).put("models", new JsonArray().add("gpt-4o-mini"))
      .put("aliases", new JsonObject().put("light", "gpt-4o-mini"))
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 800).put("idle_ms", 2000));
  }

  private void awaitReady(Vertx vertx) throws Exception {
    Eventually.until(vertx, "the mesh ready with two live backends", 5000,
      () -> OnContext.start(context, () -> client.get(port, "127.0.0.1", "/health/ready").send()).map(HttpResponse::bodyAsJsonObject),
      ready -> ready.getInteger("live_backends", 0) >= 2).await(10, TimeUnit.SECONDS);
  }

  private static JsonObject request(boolean stream) {
    return new JsonObject().put("model", "light").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Say hello.")));
  }

  private HttpResponse<Buffer> post(JsonObject body) throws Exception {
    return OnContext.start(context, () -> client.post(port, "127.0.0.1", "/v1/chat/completions").putHeader("content-type", "application/json")
      .sendBuffer(body.toBuffer())).await(15, TimeUnit.SECONDS);
  }

  /** The content deltas of an SSE body, in order; the last event must be [DONE]. */
  private static List<String> sseContents(String text) {
    List<String> out = new ArrayList<>();
    for (String event : text.split("\n\n")) {
      String data = event.substring("data: ".length());
      if (!data.equals("[DONE]")) {
        JsonObject chunk = new JsonObject(data);
        if (!chunk.getJsonArray("choices").isEmpty()) {
          String c = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
          if (c != null) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }

  @Test
  void httpNonStreaming() throws Exception {
    primary.enqueue(Behaviour.reply("Bonjour tout le monde."));
    HttpResponse<Buffer> res = post(request(false));
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals("Bonjour tout le monde.", res.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertEquals("primary", res.getHeader("x-switchboard-backend"));
    assertEquals("gpt-4o-mini", primary.lastRequest().body().getString("model"), "the alias was resolved for the upstream");
    assertFalse(primary.lastRequest().body().containsKey("privacy"));
  }

  @Test
  void httpStreamingTokensInOrderDoneLast() throws Exception {
    primary.enqueue(Behaviour.reply("one two three four five six").chunks(6));
    HttpResponse<Buffer> res = post(request(true));
    String text = res.bodyAsString();
    assertEquals(200, res.statusCode());
    assertEquals("primary", res.getHeader("x-switchboard-backend"));
    assertTrue(text.endsWith("data: [DONE]\n\n"), text);
    assertEquals("one two three four five six", String.join("", sseContents(text)));
    assertEquals(text.indexOf("data: [DONE]"), text.lastIndexOf("data: [DONE]"), "exactly one [DONE], at the end");
  }

  /** A verticle with no HTTP at all, talking to the mesh on the bus. */
  static final class BusChatClient extends VerticleBase {
    Future<Message<Object>> ask(JsonObject body) {
      return vertx.eventBus().request(Addresses.CHAT, body);
    }
  }

  @Test
  void overTheBusStreamedAndNot(Vertx vertx) throws Exception {
    BusChatClient bus = new BusChatClient();
    vertx.deployVerticle(bus).await(5, TimeUnit.SECONDS);
    primary.enqueue(Behaviour.reply("alpha beta gamma").chunks(3), Behaviour.reply("alpha beta gamma"));

    Message<Object> msg = bus.ask(request(true)).await(10, TimeUnit.SECONDS);
    StringBuilder streamed = new StringBuilder();
    while (true) {
      JsonObject body = (JsonObject) msg.body();
      body.getJsonArray(StreamProtocol.CHUNKS).forEach(c -> {
        JsonArray choices = ((JsonObject) c).getJsonArray("choices");
        if (!choices.isEmpty() && choices.getJsonObject(0).getJsonObject("delta").getString("content") != null) {
          streamed.append(choices.getJsonObject(0).getJsonObject("delta").getString("content"));
        }
      });
      if (BusStreams.isEnd(msg)) {
        assertTrue(body.getJsonObject(StreamProtocol.USAGE).getInteger("completion_tokens") > 0);
        break;
      }
      msg = BusStreams.next(msg, 5000).await(10, TimeUnit.SECONDS);
    }
    JsonObject whole = (JsonObject) bus.ask(request(false)).await(10, TimeUnit.SECONDS).body();
    String text = whole.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    assertEquals(text, streamed.toString(), "the same answer streamed and not");
    assertEquals("primary", whole.getJsonObject("switchboard").getString("backend"));
  }

  @Test
  void fallbackOn500RefusedAndTimeout() throws Exception {
    for (Behaviour failure : List.of(Behaviour.error(500, "boom"), Behaviour.refuse(), Behaviour.hang())) {
      primary.enqueue(failure);
      secondary.enqueue(Behaviour.reply("from the second"));
      HttpResponse<Buffer> res = post(request(false));
      assertEquals(200, res.statusCode(), res.bodyAsString());
      assertEquals("secondary", res.getHeader("x-switchboard-backend"));
      assertTrue(res.getHeader("x-switchboard-route").contains("primary("), res.getHeader("x-switchboard-route"));
    }
    // and streamed: a failure before the first token still moves on
    primary.enqueue(Behaviour.error(503, "overloaded"));
    secondary.enqueue(Behaviour.reply("streamed second").chunks(2));
    HttpResponse<Buffer> res = post(request(true));
    assertEquals("secondary", res.getHeader("x-switchboard-backend"));
    assertEquals("streamed second", String.join("", sseContents(res.bodyAsString())));
  }

  @Test
  void streamCutAfterContentIsAnErrorEventWithoutDone() throws Exception {
    primary.enqueue(Behaviour.reply("a b c d e f").chunks(6).cutAfter(2));
    HttpResponse<Buffer> res = post(request(true));
    String text = res.bodyAsString();
    assertEquals(200, res.statusCode(), "headers were sent with the first token");
    assertFalse(text.contains("data: [DONE]"), text);
    String last = text.trim().substring(text.trim().lastIndexOf("data: ") + 6);
    assertTrue(new JsonObject(last).containsKey("error"), text);
    assertEquals(0, secondary.requestCount(), "content had reached the client: no failover");
  }

  @Test
  void theKeyAppearsNowhere() throws Exception {
    primary.requireKey("sk-some-other-key-entirely");     // the upstream now rejects SECRET and echoes part of it
    secondary.requireKey("sk-also-not-the-right-one-0");
    HttpResponse<Buffer> failed = post(request(false));
    HttpResponse<Buffer> failedStream = post(request(true));
    String models = OnContext.start(context, () -> client.get(port, "127.0.0.1", "/v1/models").send()).await(5, TimeUnit.SECONDS).bodyAsString();
    String ready = OnContext.start(context, () -> client.get(port, "127.0.0.1", "/health/ready").send()).await(5, TimeUnit.SECONDS).bodyAsString();
    assertEquals(502, failed.statusCode(), failed.bodyAsString());
    String everything = failed.bodyAsString() + failed.headers() + failedStream.bodyAsString() + models + ready + String.join("\n", logs.lines());
    assertFalse(everything.contains(SECRET), "the key leaked");
    assertFalse(everything.contains(SECRET.substring(0, 12)), "a prefix of the key leaked");
    assertTrue(primary.requests().stream().anyMatch(r -> SECRET.equals(r.bearer())), "the key did go upstream");
  }
}
