package io.switchboard.tts.local;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.SpeechRequest;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.switchboard.tts.local.TtsTestSupport.conf;
import static io.switchboard.tts.local.TtsTestSupport.parseWav;
import static io.switchboard.tts.local.TtsTestSupport.peak;
import static io.switchboard.tts.local.TtsTestSupport.samples;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local backend behind {@link BackendVerticle}: a speech request on the bus, pulled as a stream. */
@ExtendWith(VertxExtension.class)
class LocalTtsBusTest {

  private static final String ID = "local-tts-bus";
  private static final String TEXT = "Welcome to Switchboard. This speech was made on this machine. Goodbye!";

  private static Future<String> deploy(Vertx vertx) {
    LocalTtsBackend backend = (LocalTtsBackend) new LocalTtsProvider().create(vertx,
      new BackendConfig(conf(ID), System.getenv()));
    return vertx.deployVerticle(new BackendVerticle(backend), new DeploymentOptions()
      .setConfig(new JsonObject().put("heartbeat_ms", 60_000)));
  }

  private static Future<Message<Object>> send(Vertx vertx, JsonObject body) {
    return vertx.eventBus().request(Addresses.backend(ID), body,
      BackendVerticle.requestOptions(Headers.OP_SPEECH, "req-1", null, System.currentTimeMillis() + 60_000));
  }

  /** Pulls the stream from {@code first} to its end, appending every data body to {@code audio}. */
  private static Future<JsonObject> pull(Message<Object> msg, Buffer audio, int[] dataMessages) {
    if (BusStreams.isEnd(msg)) {
      return Future.succeededFuture((JsonObject) msg.body());
    }
    audio.appendBuffer((Buffer) msg.body());
    dataMessages[0]++;
    return BusStreams.next(msg, 10_000).compose(next -> pull(next, audio, dataMessages));
  }

  @Test
  void speechOnTheBusStreamsAWav(Vertx vertx, VertxTestContext test) {
    Buffer audio = Buffer.buffer();
    int[] dataMessages = {0};
    JsonObject body = new JsonObject().put("model", "tts-1").put("input", TEXT).put("voice", "alloy").put("response_format", "wav");
    deploy(vertx)
      .compose(id -> send(vertx, body))
      .compose(first -> {
        test.verify(() -> assertTrue(BusStreams.isStream(first), "a stream, not a single reply"));
        return pull(first, audio, dataMessages);
      })
      .onComplete(test.succeeding(end -> test.verify(() -> {
        audio.appendBuffer(end.getBuffer("audio", Buffer.buffer()));
        assertEquals(TEXT.length(), end.getInteger("characters"));
        assertEquals("audio/wav", end.getString(SpeechRequest.CONTENT_TYPE_HEADER));
        assertTrue(dataMessages[0] >= 1, "audio arrived before the end message");
        byte[] wav = audio.getBytes();
        TtsTestSupport.WavInfo info = parseWav(wav);
        assertEquals(16_000, info.sampleRate());
        assertEquals(1, info.channels());
        assertEquals(16, info.bits());
        assertTrue(wav.length - info.dataOffset() > 32_000, "over a second of audio: " + wav.length);
        assertTrue(peak(samples(wav, info.dataOffset())) > 3000, "not silent");
        test.completeNow();
      })));
  }

  @Test
  void aBadRequestOnTheBusFailsWithItsCode(Vertx vertx, VertxTestContext test) {
    JsonObject body = new JsonObject().put("model", "tts-1").put("input", "Hello.").put("voice", "nobody").put("response_format", "pcm");
    deploy(vertx)
      .compose(id -> send(vertx, body))
      .onComplete(test.failing(err -> test.verify(() -> {
        ReplyException re = assertInstanceOf(ReplyException.class, err);
        assertEquals(400, re.failureCode());
        MeshException me = MeshException.from(re);
        assertEquals(ErrorCode.INVALID_REQUEST, me.errorCode());
        assertTrue(me.getMessage().contains("nobody"), me.getMessage());
        test.completeNow();
      })));
  }
}
