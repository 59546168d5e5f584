package io.switchboard.router.web;

import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.ScriptedChatBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI-compatible HTTP surface for chat, over a real router and real (scripted) backends. */
@ExtendWith(VertxExtension.class)
class WebChatTest {

  private MeshFixture mesh;
  private ScriptedChatBackend alpha;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = MeshFixture.alphaBehindWeb(vertx, new JsonObject().put("body_limit_bytes", 4096));
    alpha = mesh.backends.get(0);
  }

  private static String valid(boolean stream) {
    return new JsonObject().put("model", "m1").put("stream", stream)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  private HttpResponse<Buffer> post(String path, String contentType, String body) throws Exception {
    var req = mesh.client.post(mesh.port, "127.0.0.1", path);
    if (contentType != null) {
      req.putHeader("content-type", contentType);
    }
    return OnContext.start(mesh.context, () -> req.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
  }

  @Test
  void nonStreamingChat() throws Exception {
    HttpResponse<Buffer> res = post("/v1/chat/completions", "application/json", valid(false));
    assertEquals(200, res.statusCode());
    JsonObject body = res.bodyAsJsonObject();
    assertEquals("chat.completion", body.getString("object"));
    assertEquals("Hello from the mesh.", body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    assertFalse(body.containsKey("switchboard"), "the body stays OpenAI's shape");
    assertEquals("alpha", res.getHeader("x-switchboard-backend"));
    assertTrue(res.getHeader("x-switchboard-route").startsWith("served=alpha"));
    assertNotNull(res.getHeader("x-request-id"));
  }

  @Test
  void streamingChatIsFramedAsOpenAiSse() throws Exception {
    HttpResponse<Buffer> res = post("/v1/chat/completions", "application/json",
      new JsonObject(valid(true)).put("stream_options", new JsonObject().put("include_usage", true)).encode());
    assertEquals(200, res.statusCode());
    assertTrue(res.getHeader("content-type").startsWith("text/event-stream"));
    String text = res.bodyAsString();
    assertTrue(text.endsWith("data: [DONE]\n\n"), text);
    List<String> contents = new ArrayList<>();
    JsonObject usage = null;
    for (String event : text.split("\n\n")) {
      assertTrue(event.startsWith("data: "), "every event is a data line: " + event);
      String data = event.substring(6);
      if (data.equals("[DONE]")) {
        continue;
      }
      JsonObject chunk = new JsonObject(data);
      assertEquals("chat.completion.chunk", chunk.getString("object"));
      if (chunk.getJsonArray("choices").isEmpty()) {
        usage = chunk.getJsonObject("usage");
      } else {
        String c = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
        if (c != null) {
          contents.add(c);
        }
      }
    }
    assertEquals(List.of("Hello", " from", " the", " mesh", "."), contents);
    assertNotNull(usage, "include_usage asks for the usage chunk before [DONE]");
    assertEquals(5, usage.getInteger("completion_tokens"));
  }

  @Test
  void streamCutAfterContentGivesAnErrorEventAndNoDone() throws Exception {
    alpha.cutAfter(2);
    HttpResponse<Buffer> res = post("/v1/chat/completions", "application/json", valid(true));
    String text = res.bodyAsString();
    assertTrue(text.contains("\"content\":\"Hello\""), text);
    assertFalse(text.contains("data: [DONE]"), "a cut stream never ends cleanly: " + text);
    String last = text.trim().substring(text.trim().lastIndexOf("data: ") + 6);
    assertEquals("upstream_error", new JsonObject(last).getJsonObject("error").getString("code"));
  }

  static Stream<Arguments> badInput() {
    String msgs = "[{\"role\":\"user\",\"content\":\"hi\"}]";
    return Stream.of(
      Arguments.of("invalid JSON", "application/json", "{\"model\":", 400, "not valid JSON"),
      Arguments.of("JSON array", "application/json", "[1,2]", 400, "must be a JSON object"),
      Arguments.of("empty body", "application/json", "", 400, "empty"),
      Arguments.of("no messages", "application/json", "{\"model\":\"m1\"}", 400, "'messages' is required"),
      Arguments.of("empty messages", "application/json", "{\"model\":\"m1\",\"messages\":[]}", 400, "at least one message"),
      Arguments.of("messages not an array", "application/json", "{\"model\":\"m1\",\"messages\":\"hi\"}", 400, "must be an array"),
      Arguments.of("message not an object", "application/json", "{\"model\":\"m1\",\"messages\":[42]}", 400, "messages[0]"),
      Arguments.of("unknown role", "application/json", "{\"model\":\"m1\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", 400, "'wizard'"),
      Arguments.of("content wrong type", "application/json", "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":7}]}", 400, "content"),
      Arguments.of("missing model", "application/json", "{\"messages\":" + msgs + "}", 400, "'model' is required"),
      Arguments.of("unknown model", "application/json", "{\"model\":\"nope\",\"messages\":" + msgs + "}", 404, "nope"),
      Arguments.of("negative max_tokens", "application/json", "{\"model\":\"m1\",\"max_tokens\":-5,\"messages\":" + msgs + "}", 400, "max_tokens"),
      Arguments.of("temperature out of range", "application/json", "{\"model\":\"m1\",\"temperature\":3,\"messages\":" + msgs + "}", 400, "temperature"),
      Arguments.of("stream not boolean", "application/json", "{\"model\":\"m1\",\"stream\":\"yes\",\"messages\":" + msgs + "}", 400, "stream"),
      Arguments.of("unknown privacy", "application/json", "{\"model\":\"m1\",\"privacy\":\"secret\",\"messages\":" + msgs + "}", 400, "privacy"),
      Arguments.of("wrong content type", "text/plain", "{\"model\":\"m1\",\"messages\":" + msgs + "}", 415, "application/json"),
      Arguments.of("no content type", null, "{\"model\":\"m1\",\"messages\":" + msgs + "}", 415, "application/json"),
      Arguments.of("body over the limit", "application/json", "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}", 413, "limit"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInput")
  void badInputGetsTheRightStatusAndANamedProblem(String name, String contentType, String body, int status, String mention) throws Exception {
    HttpResponse<Buffer> res = post("/v1/chat/completions", contentType, body);
    assertEquals(status, res.statusCode(), name + ": " + res.bodyAsString());
    JsonObject error = res.bodyAsJsonObject().getJsonObject("error");
    assertNotNull(error, name);
    assertTrue(error.getString("message").contains(mention), name + ": " + error.getString("message"));
    assertNotNull(error.getString("type"));
    assertTrue(error.containsKey("param") && error.containsKey("code"));
    // ... and the mesh serves normally afterwards
    assertEquals(200, post("/v1/chat/completions", "application/json", valid(false)).statusCode());
  }

  @Test
  void unknownRouteAndModelsAndHealth() throws Exception {
    HttpResponse<Buffer> missing = OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/v1/nothing").send()).await(5, TimeUnit.SECONDS);
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", missing.bodyAsJsonObject().getJsonObject("error").getString("code"));

    JsonObject models = OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/v1/models").send()).await(5, TimeUnit.SECONDS).bodyAsJsonObject();
    assertEquals("list", models.getString("object"));
    List<String> ids = models.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id")).toList();
    assertEquals(List.of("light", "m1"), ids);

    assertEquals(200, OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/health/live").send()).await(5, TimeUnit.SECONDS).statusCode());
    HttpResponse<Buffer> ready = OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/health/ready").send()).await(5, TimeUnit.SECONDS);
    assertEquals(200, ready.statusCode());
    assertEquals(1, ready.bodyAsJsonObject().getInteger("live_backends"));
  }

  @Test
  void theAdminApiIsOffWithoutAToken() throws Exception {
    HttpResponse<Buffer> res = OnContext.start(mesh.context, () -> mesh.client.get(mesh.port, "127.0.0.1", "/api/v1/providers/status")
      .putHeader("authorization", "Bearer anything").send()).await(5, TimeUnit.SECONDS);
    assertEquals(404, res.statusCode());
    assertTrue(res.bodyAsJsonObject().getJsonObject("error").getString("message").contains("SWITCHBOARD_ADMIN_TOKEN"));
  }

  @Test
  void policyHeadersReachTheRouter() throws Exception {
    var res = OnContext.start(mesh.context, () -> mesh.client.post(mesh.port, "127.0.0.1", "/v1/chat/completions")
      .putHeader("content-type", "application/json").putHeader("x-switchboard-privacy", "local")
      .sendBuffer(Buffer.buffer(valid(false)))).await(5, TimeUnit.SECONDS);
    assertEquals(503, res.statusCode());
    assertTrue(res.bodyAsJsonObject().getJsonObject("error").getString("message").contains("privacy=local"));
  }
}
