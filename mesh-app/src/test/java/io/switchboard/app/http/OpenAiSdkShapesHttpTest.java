package io.switchboard.app.http;

import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request bodies as the official OpenAI SDKs send them (copied from OpenAI's API reference and guides into
 * {@code src/test/resources/openai-fixtures}) go through HTTP, the router and the real adapters to fakes of OpenAI,
 * and arrive upstream intact: every field the caller sent (tools, tool_choice, response_format, content parts, n,
 * logprobs, user, seed, max_completion_tokens, encoding_format, instructions, ...) as it was, {@code model} resolved
 * from the alias, and none of the mesh's own fields, whether they came in the body or as {@code x-switchboard-*}
 * headers.
 */
class OpenAiSdkShapesHttpTest {

  static final String KEY = "sk-test-sdk-shapes-0123456789abcdef";
  /** The backend's aliases: SDK model names to the dated snapshots the upstream is asked for. */
  static final JsonObject ALIASES = new JsonObject().put("gpt-4o", "gpt-4o-2024-11-20").put("gpt-4.1", "gpt-4.1-2025-04-14")
    .put("gpt-4o-mini", "gpt-4o-mini-2024-07-18").put("gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-03-20");
  /** Mesh-only fields, in the body and as headers: none of them may reach an upstream. */
  static final JsonObject HINTS = new JsonObject().put("privacy", "cloud").put("strategy", "fallback").put("max_cost", 5.0)
    .put("timeout_ms", 30_000);
  static final Map<String, String> HINT_HEADERS = Map.of("x-switchboard-privacy", "cloud", "x-switchboard-strategy", "fallback",
    "x-switchboard-max-cost", "5", "x-switchboard-timeout-ms", "30000");

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeOpenAiServer openai;
  static FakeUpstream speechFake;
  static final BlockingQueue<JsonObject> speechBodies = new LinkedBlockingQueue<>();
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    openai = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey(KEY);
    speechFake = FakeUpstream.start(vertx, router -> router.post("/v1/audio/speech").handler(BodyHandler.create()).handler(ctx -> {
      speechBodies.add(ctx.body().asJsonObject());
      ctx.response().putHeader("content-type", "audio/mpeg").end(Buffer.buffer(new byte[3000]));
    }));
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "openai").put("type", "openai-compatible").put("base_url", openai.baseUrl())
        .put("api_key_env", "OPENAI_API_KEY").put("capabilities", new JsonArray().add("chat").add("embed"))
        .put("models", new JsonArray().add("gpt-4o-2024-11-20").add("gpt-4.1-2025-04-14").add("gpt-4o-mini-2024-07-18")
          .add("gpt-4o-2024-08-06").add("text-embedding-ada-002").add("text-embedding-3-small"))
        .put("aliases", ALIASES))
      .add(new JsonObject().put("id", "openai-tts").put("type", "openai-speech").put("base_url", speechFake.url("/v1"))
        .put("models", new JsonArray().add("tts-1").add("gpt-4o-mini-tts-2025-03-20")).put("aliases", ALIASES));
    node = HttpTestNode.start(vertx, backends, new JsonObject(), Map.of("OPENAI_API_KEY", KEY));
  }

  @BeforeEach
  void reset() {
    openai.reset();
    openai.requireKey(KEY);
    speechBodies.clear();
  }

  static Stream<String> fixtures() throws IOException, URISyntaxException {
    Path dir = Path.of(OpenAiSdkShapesHttpTest.class.getResource("/openai-fixtures").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
      assertTrue(names.size() >= 10, "fixtures found: " + names);
      return names.stream();
    }
  }

  private static Buffer fixture(String name) throws Exception {
    return Buffer.buffer(Files.readAllBytes(Path.of(OpenAiSdkShapesHttpTest.class.getResource("/openai-fixtures/" + name).toURI())));
  }

  private static String endpoint(String name) {
    return name.startsWith("chat-") ? "/v1/chat/completions" : name.startsWith("embeddings-") ? "/v1/embeddings" : "/v1/audio/speech";
  }

  private static HttpResponse<Buffer> send(String path, Buffer body, Map<String, String> headers) throws Exception {
    HttpRequest<Buffer> req = node.post(path).putHeader("content-type", "application/json").putHeader("authorization", "Bearer sk-client-side");
    headers.forEach(req::putHeader);
    return node.onContext(() -> req.sendBuffer(body)).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
  }

  /** The body the upstream must receive: the SDK's, with the model alias resolved. */
  private static JsonObject expectedUpstream(JsonObject sdkBody) {
    JsonObject expected = sdkBody.copy();
    expected.put("model", ALIASES.getString(sdkBody.getString("model"), sdkBody.getString("model")));
    return expected;
  }

  private JsonObject upstreamBody(String path) throws InterruptedException {
    if (path.equals("/v1/audio/speech")) {
      return Await.next(speechBodies, "request to the speech upstream");
    }
    assertEquals(1, openai.requestCount(), "exactly one upstream call");
    assertEquals(path, openai.lastRequest().path());
    assertEquals("Bearer " + KEY, openai.lastRequest().header("authorization"), "the backend's key, not the client's");
    return openai.lastRequest().body();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void sdkBodyArrivesUpstreamIntact(String name) throws Exception {
    Buffer raw = fixture(name);
    JsonObject sdkBody = new JsonObject(raw);
    String path = endpoint(name);

    HttpResponse<Buffer> res = send(path, raw, Map.of());

    assertEquals(200, res.statusCode(), name + ": " + res.bodyAsString());
    checkResponse(name, sdkBody, res);
    assertUpstreamFields(name, expectedUpstream(sdkBody), upstreamBody(path));
  }

  /** The same SDK body with the mesh's fields added (in the body, then as headers) reaches the upstream unchanged. */
  @ParameterizedTest
  @MethodSource("fixtures")
  void meshFieldsNeverReachTheUpstream(String name) throws Exception {
    JsonObject sdkBody = new JsonObject(fixture(name));
    String path = endpoint(name);
    String provider = path.equals("/v1/audio/speech") ? "openai-tts" : "openai";
    Map<String, String> headers = new HashMap<>(HINT_HEADERS);
    headers.put("x-switchboard-provider", provider);

    assertEquals(200, send(path, sdkBody.toBuffer(), Map.of()).statusCode());
    JsonObject plain = upstreamBody(path);
    reset();
    HttpResponse<Buffer> inBody = send(path, sdkBody.copy().mergeIn(HINTS).put("provider", provider).toBuffer(), Map.of());
    assertEquals(200, inBody.statusCode(), name + ": " + inBody.bodyAsString());
    assertEquals(provider, inBody.getHeader("x-switchboard-backend"));
    JsonObject withBodyHints = upstreamBody(path);
    reset();
    HttpResponse<Buffer> inHeaders = send(path, sdkBody.toBuffer(), headers);
    assertEquals(200, inHeaders.statusCode(), name + ": " + inHeaders.bodyAsString());
    JsonObject withHeaderHints = upstreamBody(path);

    for (JsonObject upstream : List.of(plain, withBodyHints, withHeaderHints)) {
      for (String field : List.of("privacy", "strategy", "provider", "max_cost", "timeout_ms", "switchboard")) {
        assertFalse(upstream.containsKey(field), name + ": mesh field '" + field + "' went upstream: " + upstream.encode());
      }
    }
    assertEquals(plain, withBodyHints, name + ": hints in the body changed what went upstream");
    assertEquals(plain, withHeaderHints, name + ": hints as headers changed what went upstream");
  }

  /**
   * Field by field (a failure names the field), both ways: nothing added, nothing lost. Two spellings OpenAI documents
   * as the same request count as equal: an embeddings {@code input} string and a one-string array, and
   * {@code encoding_format: "float"} and no encoding_format (float is the default).
   */
  private static void assertUpstreamFields(String name, JsonObject expectedBody, JsonObject upstreamBody) {
    assertNotNull(upstreamBody, name + ": the upstream body is JSON");
    JsonObject expected = name.startsWith("embeddings-") ? sameEmbeddingRequest(expectedBody) : expectedBody;
    JsonObject upstream = name.startsWith("embeddings-") ? sameEmbeddingRequest(upstreamBody) : upstreamBody;
    for (String field : expected.fieldNames()) {
      assertEquals(expected.getValue(field), upstream.getValue(field), name + ": field '" + field + "' upstream was " + upstream.encode());
    }
    for (String field : upstream.fieldNames()) {
      assertTrue(expected.containsKey(field), name + ": field '" + field + "' was added on the way: " + upstream.encode());
    }
  }

  private static JsonObject sameEmbeddingRequest(JsonObject body) {
    JsonObject out = body.copy();
    if (out.getValue("input") instanceof String s) {
      out.put("input", new JsonArray().add(s));
    }
    if ("float".equals(out.getValue("encoding_format"))) {
      out.remove("encoding_format");
    }
    return out;
  }

  private static void checkResponse(String name, JsonObject sdkBody, HttpResponse<Buffer> res) {
    if (name.startsWith("speech-")) {
      assertEquals(3000, res.body().length(), "the audio");
      return;
    }
    if (sdkBody.getBoolean("stream", false)) {
      assertTrue(res.getHeader("content-type").startsWith("text/event-stream"));
      String text = res.bodyAsString();
      assertTrue(text.endsWith("data: [DONE]\n\n"), text);
      String[] events = text.split("\n\n");
      JsonObject usageChunk = new JsonObject(events[events.length - 2].substring("data: ".length()));
      assertTrue(usageChunk.getJsonArray("choices").isEmpty() && usageChunk.getJsonObject("usage") != null,
        "stream_options.include_usage: a last chunk with usage and no choices: " + usageChunk);
      return;
    }
    JsonObject json = res.bodyAsJsonObject();
    assertFalse(json.containsKey("switchboard"), "no mesh-internal fields in the OpenAI response: " + json);
    if (name.startsWith("embeddings-")) {
      Object input = sdkBody.getValue("input");
      assertEquals(input instanceof JsonArray a ? a.size() : 1, json.getJsonArray("data").size());
      boolean base64 = "base64".equals(sdkBody.getString("encoding_format"));
      Object embedding = json.getJsonArray("data").getJsonObject(0).getValue("embedding");
      assertTrue(base64 ? embedding instanceof String : embedding instanceof JsonArray, "encoding_format honoured: " + embedding);
    } else {
      assertEquals("chat.completion", json.getString("object"));
      assertNotNull(json.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    }
  }
}
