package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model whose only backends are not live is "not now", not "no such model": 503 with Retry-After, naming each
 * backend and why (disabled in conf, its key not set, its node gone), where an SDK would give up on a 404. A model no
 * backend serves, live or not, stays 404.
 */
@ExtendWith(VertxExtension.class)
class NotLiveModelTest {

  private MeshFixture mesh;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    JsonArray conf = new JsonArray()
      .add(new JsonObject().put("id", "alpha").put("type", "scripted").put("models", new JsonArray().add("m1")))
      .add(new JsonObject().put("id", "off").put("type", "scripted").put("enabled", false)
        .put("models", new JsonArray().add("m-off")).put("aliases", new JsonObject().put("slow", "m-off")))
      .add(new JsonObject().put("id", "keyless").put("type", "openai-compatible").put("capabilities", new JsonArray().add("chat"))
        .put("models", new JsonArray().add("m-key")))
      .add(new JsonObject().put("id", "embedder").put("type", "openai-compatible").put("capabilities", new JsonArray().add("embed"))
        .put("models", new JsonArray().add("e-only")))
      .add(new JsonObject().put("id", "passthrough").put("type", "openai-compatible").put("models", new JsonArray()))
      .add(new JsonObject().put("id", "voice").put("type", "elevenlabs").put("models", new JsonArray().add("eleven"))
        .put("aliases", new JsonObject().put("slow", "eleven")));
    vertx.sharedData().<String, String>getLocalMap(Addresses.BACKENDS_OFF_MAP).put("keyless", "KEYLESS_API_KEY not set");
    mesh = new MeshFixture(vertx).router(new JsonObject().put("heartbeat_timeout_ms", 1000).put("backends", conf))
      .web(new JsonObject());
    mesh.backend("alpha", 10, Privacy.CLOUD, "m1");
    mesh.backend("beta", 20, Privacy.CLOUD, "m2");
    mesh.awaitLive(2);
  }

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private static MeshException failure(Vertx vertx, String model) {
    return assertInstanceOf(MeshException.class, assertThrows(Exception.class,
      () -> vertx.eventBus().request(Addresses.CHAT, chat(model)).await(5, TimeUnit.SECONDS)));
  }

  @Test
  void aModelServedOnlyByBackendsThatAreOffIs503WithRetryAfter(Vertx vertx) {
    MeshException disabled = failure(vertx, "slow");
    assertEquals(ErrorCode.UNAVAILABLE, disabled.errorCode(), disabled.getMessage());
    assertTrue(disabled.retryAfterMs() > 0, "Retry-After: " + disabled.retryAfterMs());
    assertTrue(disabled.getMessage().contains("off: disabled in conf"), disabled.getMessage());
    assertFalse(disabled.getMessage().contains("voice"), "a speech backend's alias is not a chat model: " + disabled.getMessage());

    MeshException keyless = failure(vertx, "m-key");
    assertEquals(ErrorCode.UNAVAILABLE, keyless.errorCode());
    assertTrue(keyless.getMessage().contains("keyless: KEYLESS_API_KEY not set"), keyless.getMessage());
  }

  @Test
  void aBackendWhoseNodeIsGoneLeavesItsModels503(Vertx vertx) throws Exception {
    ScriptedChatBackend gamma = new ScriptedChatBackend(vertx, "gamma", 30, Privacy.CLOUD, java.util.List.of("m3"));
    String deployment = vertx.deployVerticle(new BackendVerticle(gamma), new DeploymentOptions().setConfig(new JsonObject()
      .put("heartbeat_ms", 200))).await(10, TimeUnit.SECONDS);
    mesh.awaitLive(3);
    assertEquals("gamma", vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat("m3")).await(5, TimeUnit.SECONDS).body()
      .getJsonObject("switchboard").getString("backend"));
    vertx.undeploy(deployment).await(10, TimeUnit.SECONDS);
    Eventually.until(vertx, "gamma gone", 10_000, () -> MeshFixture.view(vertx),
      view -> view.getJsonArray("backends").stream().noneMatch(b -> ((JsonObject) b).getString("id").equals("gamma")))
      .await(15, TimeUnit.SECONDS);
    MeshException gone = failure(vertx, "m3");
    assertEquals(ErrorCode.UNAVAILABLE, gone.errorCode(), gone.getMessage());
    assertTrue(gone.getMessage().contains("gamma: no live instance"), gone.getMessage());
    assertTrue(gamma.served.get() > 0);
  }

  @Test
  void aModelNoBackendServesStays404(Vertx vertx) {
    assertEquals(ErrorCode.MODEL_NOT_FOUND, failure(vertx, "nope").errorCode(), "pass-through backends know no model by name");
    assertEquals(ErrorCode.MODEL_NOT_FOUND, failure(vertx, "e-only").errorCode(), "an embedding model is not a chat model");
  }

  @Test
  void overHttpTheAnswerCarriesRetryAfter(Vertx vertx) throws Exception {
    WebClient client = WebClient.create(vertx);
    HttpResponse<Buffer> res = client.post(mesh.port, "127.0.0.1", "/v1/chat/completions").putHeader("content-type", "application/json")
      .sendBuffer(chat("slow").toBuffer()).await(10, TimeUnit.SECONDS);
    assertEquals(503, res.statusCode(), res.bodyAsString());
    assertEquals("5", res.getHeader("retry-after"));
    assertEquals("no_healthy_backend", res.bodyAsJsonObject().getJsonObject("error").getString("code"), res.bodyAsString());
  }
}
