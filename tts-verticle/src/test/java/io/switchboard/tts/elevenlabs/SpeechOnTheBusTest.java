package io.switchboard.tts.elevenlabs;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.testkit.speech.AudioScript;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
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
 * The ElevenLabs adapter wired by {@link BackendVerticle}: a speech request on the bus (op {@link Headers#OP_SPEECH})
 * is answered with a pulled stream of audio Buffers ({@link BusStreams#next} until {@link BusStreams#isEnd}) whose
 * bytes are the upstream's, ending with the characters trailer and the content type; an upstream failure is a failed
 * reply.
 */
class SpeechOnTheBusTest {

  Vertx vertx;
  FakeSpeechApi fake;
  final List<Buffer> chunks = AudioScript.chunks(6, 4096);

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    fake = FakeSpeechApi.start(vertx).reply(ctx -> {
      ctx.response().setChunked(true).putHeader("content-type", "audio/mpeg");
      chunks.forEach(ctx.response()::write);
      ctx.response().end();
    });
    JsonObject conf = new JsonObject().put("id", "elevenlabs").put("type", "elevenlabs").put("base_url", fake.url(""))
      .put("models", new JsonArray().add("eleven_flash_v2_5"));
    var backend = new ElevenLabsProvider().create(vertx, new BackendConfig(conf,
      Map.of("ELEVENLABS_API_KEY", "xi-bus-test-key-000", "ELEVENLABS_VOICE_ID", "JBFqnCBsd6RMkjVDRZzb")));
    await(vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 60_000))));
  }

  @AfterEach
  void tearDown() {
    fake.close();
    await(vertx.close());
  }

  private io.vertx.core.Future<Message<Object>> ask() {
    JsonObject body = new JsonObject().put("model", "eleven_flash_v2_5").put("input", "Über den Bus.").put("response_format", "mp3");
    return vertx.eventBus().request(Addresses.backend("elevenlabs"), body,
      BackendVerticle.requestOptions(Headers.OP_SPEECH, "req-bus", null, System.currentTimeMillis() + 15_000));
  }

  @Test
  void audioIsPulledOverTheBusUntilTheEnd() {
    Message<Object> msg = await(ask());
    Buffer audio = Buffer.buffer();
    int messages = 0;
    while (!BusStreams.isEnd(msg) && messages < 1000) {
      assertTrue(BusStreams.isStream(msg));
      audio.appendBuffer((Buffer) msg.body());
      messages++;
      msg = await(BusStreams.next(msg, 10_000));
    }
    JsonObject end = (JsonObject) msg.body();
    audio.appendBuffer(end.getBuffer("audio"));
    assertEquals(AudioScript.join(chunks), audio);
    assertEquals(13, end.getInteger("characters"));
    assertEquals("audio/mpeg", end.getString("content-type"));
  }

  @Test
  void providersAreFoundByTheServiceLoader() {
    var types = java.util.ServiceLoader.load(io.switchboard.core.backend.BackendProvider.class).stream()
      .map(p -> p.get().type()).toList();
    assertTrue(types.containsAll(List.of("elevenlabs", "openai-speech")), types.toString());
  }

  @Test
  void upstreamFailureIsAFailedReply() {
    fake.error(429, new JsonObject().put("detail", new JsonObject().put("status", "too_many_concurrent_requests")
      .put("message", "busy")).encode(), "1");
    MeshException e = failure(ask());
    assertEquals(ErrorCode.RATE_LIMITED, e.errorCode());
    assertEquals(1000, e.retryAfterMs());
  }
}
