package io.switchboard.app.usage;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code auth.require_keys} (here turned on by {@code SWITCHBOARD_REQUIRE_KEYS} over a conf that says false). */
class RequireKeysTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private FakeOpenAiServer fake;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    fake = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private JsonObject config(boolean usage) {
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("admin_token", "adm"))
      .put("auth", new JsonObject().put("require_keys", false))
      .put("backends", new JsonArray().add(new JsonObject().put("id", "fakecloud").put("type", "openai-compatible")
        .put("base_url", fake.baseUrl()).put("api_key_env", "FAKE_KEY").put("capabilities", new JsonArray().add("chat"))
        .put("privacy", "cloud").put("models", new JsonArray().add("gpt-4o-mini")).put("aliases", new JsonObject())));
    if (usage) {
      config.put("usage", new JsonObject().put("data_dir", dir.toString()).put("idle_check_ms", 50));
    }
    return config;
  }

  private MeshNode.Started deploy(boolean usage) throws Exception {
    NodeOptions options = new NodeOptions("all", Set.of(), false, dir.resolve("no-conf"), null,
      Map.of("FAKE_KEY", "sk-fake", "SWITCHBOARD_REQUIRE_KEYS", "true"), false);
    return MeshNode.deploy(vertx, options, config(usage)).await(30, TimeUnit.SECONDS);
  }

  @Test
  void withoutAValidKeyEveryRequestIs401() throws Exception {
    UsageApi api = new UsageApi(deploy(true).httpPort(), "adm");
    JsonObject chat = UsageApi.chatBody("gpt-4o-mini", false);
    for (String[] headers : new String[][] {{}, {"authorization", "Bearer sk-an-openai-key"}, {"x-api-key", "sb-k_nope_00000000"}}) {
      HttpResponse<String> res = api.chat(chat, headers);
      assertEquals(401, res.statusCode(), res.body());
      JsonObject error = new JsonObject(res.body()).getJsonObject("error");
      assertEquals("authentication_error", error.getString("type"));
      assertEquals("invalid_api_key", error.getString("code"));
    }
    HttpResponse<String> upload = api.post("/v1/audio/transcriptions", "multipart/form-data; boundary=b",
      "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; "
        + "filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--b--\r\n", "x-request-id", "no-key-upload");
    assertEquals(401, upload.statusCode(), upload.body());
    assertEquals("transcribe", api.record("no-key-upload").get("capability"));

    String key = api.createKey("svc", new JsonObject()).getString("api_key");
    assertEquals(200, api.chat(chat, "authorization", "Bearer " + key).statusCode());
    assertEquals(200, api.chat(chat, "x-api-key", key).statusCode());
    assertEquals(200, api.admin("GET", "/health/ready", null, null).statusCode(), "probes need no key");
  }

  @Test
  void requiringKeysWithoutTheLedgerDoesNotStart() {
    Exception e = assertThrows(Exception.class, () -> deploy(false));
    assertTrue(String.valueOf(e.getMessage()).contains("require_keys"), e.toString());
  }
}
