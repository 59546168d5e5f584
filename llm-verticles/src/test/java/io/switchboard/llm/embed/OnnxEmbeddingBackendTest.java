package io.switchboard.llm.embed;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.switchboard.api.Addresses;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.testkit.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The onnx-embeddings backend, deployed from conf by the ServiceLoader-found provider, driven over the bus. */
class OnnxEmbeddingBackendTest {

  static Vertx vertx;
  static AllMiniLmL6V2EmbeddingModel reference;

  @BeforeAll
  static void deploy() throws Exception {
    vertx = Vertx.vertx();
    JsonObject conf = new JsonObject().put("id", "embed").put("type", "onnx-embeddings").put("batch_size", 4);
    BackendDeployer.Outcome out = await(new BackendDeployer(vertx, Map.of()).deploy(new BackendConfig(conf, Map.of()), new JsonObject()), 120);
    assertTrue(out.started(), out.reason());
    reference = new AllMiniLmL6V2EmbeddingModel();
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  static JsonObject embed(JsonObject body) {
    return (JsonObject) await(send(body), 120).body();
  }

  static Future<Message<Object>> send(JsonObject body) {
    return vertx.eventBus().request(Addresses.backend("embed"), body,
      BackendVerticle.requestOptions(Headers.OP_EMBED, "t", null, System.currentTimeMillis() + 60_000));
  }

  static JsonObject body(Object input) {
    return new JsonObject().put("model", "all-minilm-l6-v2").put("input", input);
  }

  static float[] vector(JsonObject response, int i) {
    JsonArray a = response.getJsonArray("data").getJsonObject(i).getJsonArray("embedding");
    float[] v = new float[a.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = a.getFloat(k);
    }
    return v;
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void announcesAFreeLocalEmbeddingModel() {
    BackendDescriptor d = EmbeddingSettings.from(new BackendConfig(new JsonObject().put("id", "e"), Map.of())).descriptor();
    assertEquals(Set.of(Capability.EMBED), d.capabilities());
    assertEquals(Privacy.LOCAL, d.privacy());
    assertEquals(List.of("all-minilm-l6-v2"), d.models());
    assertTrue(d.pricesFor("all-minilm-l6-v2").isFree());
  }

  @Test
  void similarSentencesScoreHigherThanUnrelatedOnes() throws Exception {
    JsonObject r = embed(body(new JsonArray().add("The cat sits on the mat.").add("A kitten is resting on the rug.")
      .add("Quarterly revenue rose by eight percent.")));
    double similar = cosine(vector(r, 0), vector(r, 1));
    double unrelated = cosine(vector(r, 0), vector(r, 2));
    assertTrue(similar > unrelated + 0.3, similar + " vs " + unrelated);
  }

  @Test
  void vectorsEqualTheReferenceImplementation() throws Exception {
    List<String> texts = List.of("Hello world", "Crème brûlée at the café, naïvely!", "北京是中国的首都",
      "Switchboard routes requests to local and cloud models under one policy.", "x");
    JsonObject r = embed(body(new JsonArray(List.copyOf(texts))));
    for (int i = 0; i < texts.size(); i++) {
      float[] ours = vector(r, i);
      float[] ref = reference.embed(texts.get(i)).content().vector();
      assertEquals(384, ours.length);
      for (int d = 0; d < ours.length; d++) {
        assertEquals(ref[d], ours[d], 1e-4, texts.get(i) + " component " + d);
      }
    }
  }

  @Test
  void aBatchEqualsTheSingleCalls() throws Exception {
    List<String> texts = List.of("short", "a somewhat longer sentence about trains and stations",
      "medium length text here", "one more", "and the sixth input, which makes two batches of four");
    JsonObject batch = embed(body(new JsonArray(List.copyOf(texts))));
    long tokens = 0;
    for (int i = 0; i < texts.size(); i++) {
      JsonObject single = embed(body(texts.get(i)));
      assertEquals(i, batch.getJsonArray("data").getJsonObject(i).getInteger("index"));
      assertArrayEquals(vector(single, 0), vector(batch, i), 1e-5f, texts.get(i));
      tokens += single.getJsonObject("usage").getLong("prompt_tokens");
    }
    assertEquals(tokens, batch.getJsonObject("usage").getLong("prompt_tokens"));
  }

  @Test
  void responseHasOpenAisShapeAndUsageCountsWordPieces() throws Exception {
    JsonObject r = embed(body("Hello, world!"));
    assertEquals("list", r.getString("object"));
    assertEquals("all-minilm-l6-v2", r.getString("model"));
    assertEquals("embedding", r.getJsonArray("data").getJsonObject(0).getString("object"));
    // [CLS] hello , world ! [SEP]
    assertEquals(6, r.getJsonObject("usage").getInteger("prompt_tokens"));
    assertEquals(6, r.getJsonObject("usage").getInteger("total_tokens"));
  }

  @Test
  void base64IsLittleEndianFloat32OfTheSameVector() throws Exception {
    float[] floats = vector(embed(body("base64 please")), 0);
    JsonObject r = embed(body("base64 please").put("encoding_format", "base64"));
    float[] decoded = EmbeddingResponses.fromBase64(r.getJsonArray("data").getJsonObject(0).getString("embedding"));
    assertArrayEquals(floats, decoded);
  }

  @Test
  void dimensionsCutAndRenormaliseOrRefuseAboveTheModel() throws Exception {
    float[] full = vector(embed(body("shorter vectors")), 0);
    float[] cut = vector(embed(body("shorter vectors").put("dimensions", 64)), 0);
    assertEquals(64, cut.length);
    double norm = 0;
    for (float f : cut) {
      norm += f * f;
    }
    assertEquals(1.0, norm, 1e-5);
    assertTrue(cosine(cut, java.util.Arrays.copyOf(full, 64)) > 0.99999);
    MeshException e = failure(body("too wide").put("dimensions", 385));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertEquals("dimensions", e.param());
    assertTrue(e.getMessage().contains("at most 384"), e.getMessage());
  }

  @Test
  void inputsOverTheLimitAreTruncatedToTheFirst254WordPieces() throws Exception {
    StringBuilder words = new StringBuilder();
    String[] vocabulary = {"red", "green", "blue", "river", "stone", "cloud", "house", "music"};
    for (int i = 0; i < 300; i++) {
      words.append(vocabulary[(i * 7 + i / 8) % vocabulary.length]).append(' ');
    }
    String[] all = words.toString().trim().split(" ");
    String first254 = String.join(" ", java.util.Arrays.copyOf(all, 254));
    JsonObject r = embed(body(new JsonArray().add(words.toString()).add(first254)));
    assertEquals(512, r.getJsonObject("usage").getInteger("prompt_tokens"), "256 word pieces read for each");
    assertArrayEquals(vector(r, 1), vector(r, 0), 1e-5f);
  }

  @Test
  void badInputIsRefusedByTheRequestParser() {
    assertInvalid(body(""), "input[0] must not be an empty string");
    assertInvalid(body(new JsonArray()), "'input' must not be empty");
    assertInvalid(body(new JsonArray().add("ok").add(3)), "input[1] must be a string");
    assertInvalid(body(new JsonArray().add("ok").addNull()), "input[1] must be a string");
    assertInvalid(new JsonObject().put("model", "all-minilm-l6-v2"), "'input' is required");
    assertInvalid(body("x").put("encoding_format", "int8"), "encoding_format");
    assertInvalid(body("x").put("dimensions", 0), "dimensions");
  }

  private static void assertInvalid(JsonObject body, String message) {
    MeshException e = assertThrows(MeshException.class, () -> EmbeddingRequest.fromJson(body));
    assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void badInputThroughTheBusIsA400NamingTheProblem() throws Exception {
    assertTrue(failure(body("")).getMessage().contains("input[0] must not be an empty string"));
    assertTrue(failure(body(new JsonArray())).getMessage().contains("must not be empty"));
    MeshException nonString = failure(body(new JsonArray().add("fine").add(new JsonObject())));
    assertEquals(ErrorCode.INVALID_REQUEST, nonString.errorCode());
    assertEquals("input", nonString.param());
    assertTrue(nonString.getMessage().contains("input[1] must be a string"));
  }

  private static MeshException failure(JsonObject body) {
    ReplyException r = Await.failure(send(body), ReplyException.class);
    assertEquals(400, r.failureCode());
    return MeshException.from(r);
  }

  @Test
  void anUnbundledModelWithoutFilesIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingSettings.from(
      new BackendConfig(new JsonObject().put("id", "e").put("model", "bge-small"), Map.of())));
    assertTrue(e.getMessage().contains("model_path"), e.getMessage());
  }
}
