package io.switchboard.app.http;

import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.http.HttpTestNode.errorNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/embeddings} end to end: HTTP, router, an {@code openai-compatible} backend serving chat and embed,
 * and {@link FakeOpenAiServer}. Float and base64 vectors, {@code dimensions}, batches in order, and bad bodies
 * refused with 400 naming the field before anything goes upstream.
 */
class EmbeddingsHttpTest {

  static final String KEY = "sk-test-embed-0123456789abcdef";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeOpenAiServer fake;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey(KEY);
    JsonObject backend = new JsonObject().put("id", "openai").put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", "OPENAI_API_KEY").put("capabilities", new JsonArray().add("chat").add("embed"))
      .put("models", new JsonArray().add("gpt-4o-mini").add("text-embedding-3-small"))
      .put("aliases", new JsonObject().put("embed-small", "text-embedding-3-small"));
    node = HttpTestNode.start(vertx, new JsonArray().add(backend), new JsonObject(), Map.of("OPENAI_API_KEY", KEY));
  }

  @BeforeEach
  void reset() {
    fake.reset();
    fake.requireKey(KEY);
  }

  private static HttpResponse<Buffer> embed(JsonObject body) throws Exception {
    return node.postJson("/v1/embeddings", body);
  }

  private static JsonObject ok(JsonObject body) throws Exception {
    HttpResponse<Buffer> res = embed(body);
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals("openai", res.getHeader("x-switchboard-backend"));
    JsonObject json = res.bodyAsJsonObject();
    assertEquals("list", json.getString("object"));
    assertFalse(json.containsKey("switchboard"), "no mesh-internal fields in the OpenAI body: " + json);
    assertTrue(json.getJsonObject("usage").getInteger("prompt_tokens") > 0, json.encode());
    return json;
  }

  private static float[] floats(JsonArray a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.getNumber(i).floatValue();
    }
    return out;
  }

  private static float[] decode(String base64) {
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  @Test
  void floatAndBase64AreTheSameVector() throws Exception {
    JsonObject f = ok(new JsonObject().put("model", "embed-small").put("input", "The food was delicious and the waiter was kind."));
    JsonObject upstream = fake.lastRequest().body();
    assertEquals("text-embedding-3-small", upstream.getString("model"), "alias resolved upstream");
    assertEquals("text-embedding-3-small", f.getString("model"));
    JsonObject item = f.getJsonArray("data").getJsonObject(0);
    assertEquals("embedding", item.getString("object"));
    assertEquals(0, item.getInteger("index"));
    float[] asFloats = floats(item.getJsonArray("embedding"));
    assertEquals(8, asFloats.length);

    JsonObject b = ok(new JsonObject().put("model", "embed-small").put("input", "The food was delicious and the waiter was kind.")
      .put("encoding_format", "base64"));
    assertEquals("base64", fake.lastRequest().body().getString("encoding_format"), "asked upstream as base64");
    float[] fromBase64 = decode(b.getJsonArray("data").getJsonObject(0).getString("embedding"));
    assertEquals(asFloats.length, fromBase64.length, "4 little-endian bytes a dimension");
    for (int i = 0; i < asFloats.length; i++) {
      assertEquals(asFloats[i], fromBase64[i], 1e-6, "dimension " + i);
    }
  }

  @Test
  void dimensionsShortenTheVectors() throws Exception {
    JsonObject json = ok(new JsonObject().put("model", "text-embedding-3-small").put("input", "short please").put("dimensions", 3));
    assertEquals(3, fake.lastRequest().body().getInteger("dimensions"), "dimensions went upstream");
    assertEquals(3, json.getJsonArray("data").getJsonObject(0).getJsonArray("embedding").size());
  }

  @Test
  void aBatchComesBackInOrder() throws Exception {
    List<String> inputs = List.of("first input", "second input", "third input", "fourth input", "fifth input");
    JsonObject json = ok(new JsonObject().put("model", "embed-small").put("input", new JsonArray(List.copyOf(inputs))));
    assertEquals(new JsonArray(List.copyOf(inputs)), fake.lastRequest().body().getJsonArray("input"), "one upstream call with the batch");
    assertEquals(1, fake.requestCount());
    JsonArray data = json.getJsonArray("data");
    assertEquals(inputs.size(), data.size());
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < data.size(); i++) {
      assertEquals(i, data.getJsonObject(i).getInteger("index"));
      distinct.add(data.getJsonObject(i).getJsonArray("embedding").encode());
    }
    assertEquals(inputs.size(), distinct.size(), "each input its own vector");
    // The same text alone gives the same vector as inside the batch: the order was kept.
    JsonObject third = ok(new JsonObject().put("model", "embed-small").put("input", "third input"));
    assertEquals(data.getJsonObject(2).getJsonArray("embedding"), third.getJsonArray("data").getJsonObject(0).getJsonArray("embedding"));
  }

  @Test
  void badBodiesAre400NamingTheField() throws Exception {
    Map<JsonObject, String> bad = Map.of(
      new JsonObject().put("model", "embed-small").put("input", ""), "input",
      new JsonObject().put("model", "embed-small").put("input", new JsonArray()), "input",
      new JsonObject().put("model", "embed-small").put("input", new JsonArray().add("ok").add(42)), "input",
      new JsonObject().put("model", "embed-small").put("input", new JsonArray().add("ok").add(new JsonObject())), "input",
      new JsonObject().put("model", "embed-small"), "input",
      new JsonObject().put("input", "no model"), "model",
      new JsonObject().put("model", "embed-small").put("input", "x").put("encoding_format", "int8"), "encoding_format",
      new JsonObject().put("model", "embed-small").put("input", "x").put("dimensions", 0), "dimensions");
    for (Map.Entry<JsonObject, String> e : bad.entrySet()) {
      errorNaming(embed(e.getKey()), 400, e.getValue());
    }
    List<RecordedRequest> upstream = fake.requests();
    assertEquals(List.of(), upstream, "nothing went upstream");
    ok(new JsonObject().put("model", "embed-small").put("input", "still fine"));
  }

  @Test
  void notJsonIs415AndBrokenJsonIs400() throws Exception {
    HttpResponse<Buffer> text = node.onContext(() -> node.post("/v1/embeddings").putHeader("content-type", "text/plain")
      .sendBuffer(Buffer.buffer("embed me"))).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
    HttpTestNode.error(text, 415);
    HttpResponse<Buffer> broken = node.onContext(() -> node.post("/v1/embeddings").putHeader("content-type", "application/json")
      .sendBuffer(Buffer.buffer("{\"model\": \"embed-small\", \"input\": "))).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
    HttpTestNode.error(broken, 400);
    assertEquals(0, fake.requestCount());
  }
}
