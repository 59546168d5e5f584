package io.switchboard.app.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.router.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code GET /v1/models} names what a pass-through backend (no {@code models} in its conf: a workstation's llama.cpp,
 * OpenRouter taking any name) serves: the ids its upstream listed at its last health probe, owned by that backend, beside
 * the configured backends' models and aliases; read by the official OpenAI Java SDK as well as a plain client, and the
 * listing costs the upstream no call per request.
 */
class PassThroughModelsHttpTest {

  static final String KEY = "sk-test-pass-through-0123456789abcd";

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeOpenAiServer workstation;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    workstation = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey(KEY).models("qwen2.5-7b-instruct", "llama-3.1-8b");
    FakeOpenAiServer openai = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS).requireKey(KEY).models("not-configured-here");
    JsonArray backends = new JsonArray()
      .add(backend("workstation", workstation).put("models", new JsonArray()).put("health_interval_ms", 60_000))
      .add(backend("openai", openai).put("models", new JsonArray().add("gpt-4o-mini")).put("aliases", new JsonObject().put("light", "gpt-4o-mini"))
        .put("health_interval_ms", 60_000));
    node = HttpTestNode.start(vertx, backends, new JsonObject(), Map.of("KEY", KEY));
  }

  private static JsonObject backend(String id, FakeOpenAiServer fake) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl()).put("api_key_env", "KEY")
      .put("capabilities", new JsonArray().add("chat")).put("priority", 10);
  }

  /** The list as GET /v1/models answers it, once the pass-through backend's first probe has reached the router. */
  private static JsonArray listing() throws Exception {
    return Eventually.until(vertx, "the pass-through backend's models listed", 10_000,
      () -> node.onContext(() -> node.client.get(node.port, "127.0.0.1", "/v1/models").send()).map(HttpResponse::bodyAsJsonObject),
      list -> list.getJsonArray("data").size() > 2).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS).getJsonArray("data");
  }

  @Test
  void thePassThroughBackendsUpstreamListIsServedOwnedByIt() throws Exception {
    JsonArray data = listing();
    List<String> owned = data.stream().map(JsonObject.class::cast).map(m -> m.getString("id") + "@" + m.getString("owned_by")).toList();
    assertEquals(List.of("gpt-4o-mini@openai", "light@openai", "llama-3.1-8b@workstation", "qwen2.5-7b-instruct@workstation"), owned,
      "a configured backend lists its own models, not its upstream's");
    int probes = workstation.requestCount();
    listing();
    listing();
    assertEquals(probes, workstation.requestCount(), "listing calls no upstream");
  }

  @Test
  void theOfficialSdkSeesTheListedModelsAndCanUseOne() throws Exception {
    listing();
    OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + node.port + "/v1")
      .apiKey("unused-unless-keys-are-required").maxRetries(0).build();
    try {
      List<String> ids = sdk.models().list().data().stream().map(Model::id).toList();
      assertEquals(List.of("gpt-4o-mini", "light", "llama-3.1-8b", "qwen2.5-7b-instruct"), ids);

      workstation.enqueue(Behaviour.reply("Hello from the workstation."));
      String answer = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("qwen2.5-7b-instruct")
        .addUserMessage("Say hello.").build()).choices().get(0).message().content().orElse("");
      assertEquals("Hello from the workstation.", answer);
    } finally {
      sdk.close();
    }
    assertEquals("qwen2.5-7b-instruct", workstation.lastRequest().body().getString("model"), "the listed name goes upstream as it was");
  }
}
