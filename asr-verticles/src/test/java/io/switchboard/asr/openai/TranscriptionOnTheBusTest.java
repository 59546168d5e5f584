package io.switchboard.asr.openai;

import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static io.switchboard.core.testkit.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAI transcription adapter wired by {@link BackendVerticle}: a bus request with the audio as a Buffer body,
 * the parameters in {@link TranscriptionRequest#PARAMS_HEADER} and op {@link Headers#OP_TRANSCRIBE} comes back as
 * the verbose transcript; an upstream 429 comes back as a failed reply with the mesh code.
 */
class TranscriptionOnTheBusTest {

  Vertx vertx;
  FakeTranscriptionApi fake;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    fake = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.json(new JsonObject().put("language", "english").put("duration", 0.5)
      .put("text", "over the bus")
      .put("segments", new JsonArray().add(new JsonObject().put("id", 0).put("start", 0.0).put("end", 0.5).put("text", "over the bus")))));
    JsonObject conf = new JsonObject().put("id", "openai-transcribe").put("type", "openai-transcription")
      .put("base_url", fake.url("/v1")).put("models", new JsonArray().add("whisper-1"));
    var backend = new OpenAiTranscriptionProvider().create(vertx, new BackendConfig(conf, Map.of("OPENAI_API_KEY", "sk-bus-test-key-0000")));
    await(vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 60_000))));
  }

  @AfterEach
  void tearDown() {
    fake.close();
    await(vertx.close());
  }

  private DeliveryOptions options() {
    JsonObject params = new JsonObject().put("model", "whisper-1").put("response_format", "verbose_json").put("filename", "a.wav");
    return BackendVerticle.requestOptions(Headers.OP_TRANSCRIBE, "req-bus", null, System.currentTimeMillis() + 15_000)
      .addHeader(TranscriptionRequest.PARAMS_HEADER, params.encode());
  }

  @Test
  void transcribesABufferSentOnTheBus() {
    Buffer audio = TestAudio.wav(0.5, 16000);
    var reply = await(vertx.eventBus().<JsonObject>request(Addresses.backend("openai-transcribe"), audio, options()));
    JsonObject out = reply.body();
    assertEquals("over the bus", out.getString("text"));
    assertEquals(1, out.getJsonArray("segments").size());
    assertEquals("whisper-1", fake.next().form().get("model"));
  }

  @Test
  void providersAreFoundByTheServiceLoader() {
    var types = java.util.ServiceLoader.load(io.switchboard.core.backend.BackendProvider.class).stream()
      .map(p -> p.get().type()).toList();
    assertTrue(types.containsAll(List.of("openai-transcription", "openrouter-transcription", "runpod-whisper")), types.toString());
  }

  @Test
  void upstreamRateLimitComesBackAsAFailedReply() {
    fake.error(429, MultiMap.caseInsensitiveMultiMap().add("retry-after", "3"),
      new JsonObject().put("error", new JsonObject().put("message", "slow down").put("code", "rate_limit_exceeded")).encode());
    MeshException e = failure(vertx.eventBus().request(Addresses.backend("openai-transcribe"), TestAudio.wav(0.2, 8000), options()));
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode());
    assertEquals(3000, e.retryAfterMs());
  }
}
