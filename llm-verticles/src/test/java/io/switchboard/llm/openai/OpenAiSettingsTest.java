package io.switchboard.llm.openai;

import io.switchboard.core.testkit.Await;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.testkit.FakeUpstream;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import static io.switchboard.llm.openai.OpenAiTestKit.KEY;
import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conf entries to settings: secrets from the environment given, URLs, defaults, and the reasons a backend cannot start. */
@ExtendWith(VertxExtension.class)
class OpenAiSettingsTest {

  private static JsonObject openai() {
    return new JsonObject().put("id", "openai").put("type", "openai-compatible")
      .put("base_url", "https://api.openai.com/v1").put("base_url_env", "OPENAI_BASE_URL").put("api_key_env", "OPENAI_API_KEY");
  }

  private static OpenAiSettings read(JsonObject conf, Map<String, String> env) {
    return OpenAiSettings.from(new BackendConfig(conf, env));
  }

  @Test
  void missingKeyMakesTheBackendUnavailable() {
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> read(openai(), Map.of()));
    assertEquals("OPENAI_API_KEY not set", e.getMessage());
    assertThrows(BackendUnavailableException.class, () -> read(openai(), Map.of("OPENAI_API_KEY", "  ")));
  }

  @Test
  void runpodNeedsItsUrlFromTheEnvironment() {
    JsonObject runpod = new JsonObject().put("id", "runpod").put("base_url_env", "RUNPOD_CHAT_URL").put("api_key_env", "RUNPOD_API_KEY")
      .put("privacy", "private");
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
      () -> read(runpod, Map.of("RUNPOD_API_KEY", KEY)));
    assertEquals("RUNPOD_CHAT_URL not set", e.getMessage());
    OpenAiSettings s = read(runpod, Map.of("RUNPOD_API_KEY", KEY, "RUNPOD_CHAT_URL", "https://api.runpod.ai/v2/abc123xyz/openai/v1/"));
    assertEquals("api.runpod.ai", s.host());
    assertEquals(443, s.port());
    assertTrue(s.ssl());
    assertEquals("/v2/abc123xyz/openai/v1", s.pathPrefix());
    assertEquals(Privacy.PRIVATE, s.descriptor().privacy());
  }

  @Test
  void baseUrlEnvOverridesTheConfiguredUrl() {
    OpenAiSettings s = read(openai(), Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", "http://127.0.0.1:8089/proxy/v1"));
    assertFalse(s.ssl());
    assertEquals("127.0.0.1", s.host());
    assertEquals(8089, s.port());
    assertEquals("/proxy/v1", s.pathPrefix());
    OpenAiSettings plain = read(openai(), Map.of("OPENAI_API_KEY", KEY));
    assertEquals("api.openai.com", plain.host());
    assertEquals("/v1", plain.pathPrefix());
  }

  @Test
  void defaults() {
    OpenAiSettings s = read(openai(), Map.of("OPENAI_API_KEY", KEY));
    assertEquals(KEY, s.apiKey());
    assertEquals(5_000, s.connectMs());
    assertEquals(60_000, s.firstByteMs());
    assertEquals(60_000, s.idleMs());
    assertEquals(64, s.poolSize());
    assertEquals(0, s.healthIntervalMs());
    assertTrue(s.streamUsage());
    assertEquals(Set.of(Capability.CHAT), s.descriptor().capabilities());
    assertEquals(Privacy.CLOUD, s.descriptor().privacy());
    assertEquals(64, s.descriptor().concurrency());
    assertEquals("openai-compatible", s.descriptor().type());
  }

  @Test
  void descriptorCarriesModelsAliasesPricesAndPriority() {
    JsonObject conf = openai()
      .put("capabilities", new JsonArray().add("chat").add("embed"))
      .put("models", new JsonArray().add("gpt-4o-mini").add("gpt-4.1"))
      .put("aliases", new JsonObject().put("light", "gpt-4o-mini").put("heavy", "gpt-4.1"))
      .put("priority", 20)
      .put("prices", new JsonObject().put("gpt-4o-mini", new JsonObject().put("input_per_mtok", 0.15).put("output_per_mtok", 0.6)));
    OpenAiSettings s = read(conf, Map.of("OPENAI_API_KEY", KEY));
    assertEquals(Set.of(Capability.CHAT, Capability.EMBED), s.descriptor().capabilities());
    assertEquals("gpt-4.1", s.descriptor().resolveModel("heavy"));
    assertEquals(20, s.descriptor().priority());
    assertEquals(0.6, s.descriptor().pricesFor("gpt-4o-mini").outputPerMTok());
  }

  @Test
  void optionalKeyMayBeAbsentOrPresent() {
    JsonObject ws = new JsonObject().put("id", "workstation").put("base_url_env", "WORKSTATION_URL")
      .put("api_key_env", "WORKSTATION_API_KEY").put("api_key_optional", true);
    assertNull(read(ws, Map.of("WORKSTATION_URL", "http://127.0.0.1:8080/v1")).apiKey());
    assertEquals("tok", read(ws, Map.of("WORKSTATION_URL", "http://127.0.0.1:8080/v1", "WORKSTATION_API_KEY", "tok")).apiKey());
  }

  @Test
  void badConfIsRefusedWithAReason() {
    Map<String, String> env = Map.of("OPENAI_API_KEY", KEY);
    assertEquals("openai: type openai-compatible serves chat and embed, not speech",
      assertThrows(BackendUnavailableException.class,
        () -> read(openai().put("capabilities", new JsonArray().add("speech")), env)).getMessage());
    assertTrue(assertThrows(BackendUnavailableException.class,
      () -> read(openai().put("base_url", "ftp://example.com"), env)).getMessage().contains("must be http(s)"));
    assertEquals("openai: 'pool_size' must be positive",
      assertThrows(BackendUnavailableException.class, () -> read(openai().put("pool_size", 0), env)).getMessage());
    assertEquals("'base_url' missing in conf", assertThrows(BackendUnavailableException.class,
      () -> read(new JsonObject().put("id", "x").put("api_key_env", "OPENAI_API_KEY"), env)).getMessage());
  }

  @Test
  void providerIsFoundByServiceLoader() {
    boolean found = ServiceLoader.load(BackendProvider.class).stream()
      .anyMatch(p -> p.get() instanceof OpenAiCompatibleProvider && p.get().type().equals("openai-compatible"));
    assertTrue(found);
  }

  @Test
  void deployerReportsTheMissingKey(Vertx vertx) {
    BackendDeployer.Outcome outcome = await(new BackendDeployer(vertx, Map.of()).deploy(new BackendConfig(openai(), Map.of()), new JsonObject()));
    assertFalse(outcome.started());
    assertEquals("OPENAI_API_KEY not set", outcome.reason());
  }

  @Test
  void healthIsUpWithoutProbingWhenNoIntervalIsSet(Vertx vertx) {
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(vertx));
    OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vertx, fake);
    assertEquals(Health.UP, await(backend.health()));
    assertEquals(0, fake.requestCount());
    await(backend.stop());
    await(fake.close());
  }

  @Test
  void healthProbesTheModelsListAndCachesIt(Vertx vertx) {
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(vertx)).requireKey(KEY);
    OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vertx, OpenAiTestKit.conf(fake).put("health_interval_ms", 60_000));
    assertEquals(Health.UP, await(backend.health()));
    assertEquals(Health.UP, await(backend.health()));
    assertEquals(1, fake.requestCount(), "the second call is served from the cache");
    assertEquals("/v1/models", fake.lastRequest().path());
    assertEquals("GET", fake.lastRequest().method());
    assertEquals(KEY, fake.lastRequest().bearer());
    await(backend.stop());
    await(fake.close());
  }

  @Test
  void aPassThroughBackendListsWhatItsProbeSaw(Vertx vertx) {
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(vertx)).requireKey(KEY).models("qwen2.5-7b-instruct", "llama-3.1-8b");
    OpenAiCompatibleBackend passThrough = OpenAiTestKit.backend(vertx, OpenAiTestKit.conf(fake).put("models", new JsonArray())
      .put("health_interval_ms", 60_000));
    OpenAiCompatibleBackend configured = OpenAiTestKit.backend(vertx, OpenAiTestKit.conf(fake).put("health_interval_ms", 60_000));
    assertEquals(List.of(), passThrough.listedModels(), "nothing before the first probe");
    assertEquals(Health.UP, await(passThrough.health()));
    assertEquals(Health.UP, await(configured.health()));
    assertEquals(List.of("qwen2.5-7b-instruct", "llama-3.1-8b"), passThrough.listedModels());
    assertEquals(List.of(), configured.listedModels(), "a backend with its own models lists only those");
    assertEquals(2, fake.requestCount(), "one probe each: the list is the probe's answer");
    await(passThrough.stop());
    await(configured.stop());
    await(fake.close());
  }

  @Test
  void aPassThroughProbeWhoseAnswerIsNoListListsNothing(Vertx vertx) {
    FakeUpstream odd = FakeUpstream.start(vertx, router -> router.get("/v1/models").handler(ctx -> ctx.response()
      .putHeader("content-type", "text/plain").end("ok")));
    OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vertx, OpenAiTestKit.conf(odd.url("/v1"))
      .put("models", new JsonArray()).put("health_interval_ms", 60_000));
    assertEquals(Health.UP, await(backend.health()), "a 2xx is up whatever its body");
    assertEquals(List.of(), backend.listedModels());
    await(backend.stop());
    odd.close();
  }

  @Test
  void aFailingProbeIsDownWithoutSecrets(Vertx vertx) {
    FakeOpenAiServer fake = await(FakeOpenAiServer.start(vertx)).requireKey("sk-another-key-000000000000");
    OpenAiCompatibleBackend backend = OpenAiTestKit.backend(vertx, OpenAiTestKit.conf(fake).put("health_interval_ms", 50));
    Health h = await(backend.health());
    assertEquals(Health.Status.DOWN, h.status());
    assertEquals("openai: upstream rejected the credentials (401)", h.reason());

    Await.quiet(vertx, 60); // past health_interval_ms: the next call probes again
    fake.requireKey(null).enqueue(Behaviour.error(429, "slow down"));
    Health limited = await(backend.health());
    assertEquals(Health.Status.DEGRADED, limited.status());
    assertFalse(limited.reason().contains(KEY.substring(0, 8)));

    Await.quiet(vertx, 60);
    fake.enqueue(Behaviour.refuse());
    assertEquals("openai: connection closed before the response", await(backend.health()).reason());

    Await.quiet(vertx, 60);
    assertEquals(Health.UP, await(backend.health()), "recovers on the next probe");
    await(backend.stop());
    await(fake.close());
  }
}
