package io.switchboard.router.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.api.UsageRecord;
import io.switchboard.router.RouterVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every request the router refuses before routing it, on any of its four entry points, is answered with the error
 * and leaves its usage record, sent before the answer: a malformed transcription on the bus as much as a malformed
 * chat.
 */
@ExtendWith(VertxExtension.class)
class RefusalRecordsTest {

  /** One malformed request: where it goes, its body and headers, and the error it must get. */
  record Refusal(String requestId, String address, Object body, Map<String, String> headers, ErrorCode error, String capability) {
  }

  static final List<Refusal> REFUSALS = List.of(
    new Refusal("chat-not-json", Addresses.CHAT, "not json", Map.of(), ErrorCode.INVALID_REQUEST, "chat"),
    new Refusal("chat-no-messages", Addresses.CHAT, new JsonObject().put("model", "m1"), Map.of(), ErrorCode.INVALID_REQUEST, "chat"),
    new Refusal("embed-no-input", Addresses.EMBED, new JsonObject().put("model", "e1"), Map.of(), ErrorCode.INVALID_REQUEST, "embed"),
    new Refusal("speech-no-input", Addresses.SPEECH, new JsonObject().put("model", "tts-1"), Map.of(), ErrorCode.INVALID_REQUEST, "speech"),
    new Refusal("asr-json-body", Addresses.TRANSCRIBE, new JsonObject(), Map.of(TranscriptionRequest.PARAMS_HEADER, "{}"),
      ErrorCode.INVALID_REQUEST, "transcribe"),
    new Refusal("asr-no-params", Addresses.TRANSCRIBE, Buffer.buffer("RIFF"), Map.of(), ErrorCode.INVALID_REQUEST, "transcribe"),
    new Refusal("asr-params-not-json", Addresses.TRANSCRIBE, Buffer.buffer("RIFF"),
      Map.of(TranscriptionRequest.PARAMS_HEADER, "{model"), ErrorCode.INVALID_REQUEST, "transcribe"));

  @Test
  void everyRefusalIsRecordedBeforeItIsAnswered(Vertx vertx, VertxTestContext test) {
    MeshExceptionCodec.register(vertx);
    Map<String, UsageRecord> records = new ConcurrentHashMap<>();
    Checkpoint recorded = test.checkpoint(REFUSALS.size());
    Checkpoint answered = test.checkpoint(REFUSALS.size());
    vertx.eventBus().<JsonObject>consumer(Addresses.USAGE, m -> {
      UsageRecord r = UsageRecord.fromJson(m.body());
      records.put(r.requestId(), r);
      m.reply(new JsonObject().put("durable", true));
      recorded.flag();
    }).completion()
      .compose(v -> vertx.deployVerticle(new RouterVerticle(new UsageSettings(true, true, 5000, false, null, false), null),
        new DeploymentOptions().setConfig(new JsonObject())))
      .onComplete(test.succeeding(id -> REFUSALS.forEach(refusal -> send(vertx, test, refusal, records, answered))));
  }

  private static void send(Vertx vertx, VertxTestContext test, Refusal refusal, Map<String, UsageRecord> records, Checkpoint answered) {
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.REQUEST_ID, refusal.requestId()).setSendTimeout(5000);
    refusal.headers().forEach(options::addHeader);
    vertx.eventBus().request(refusal.address(), refusal.body(), options).onComplete(test.failing(e -> test.verify(() -> {
      assertEquals(refusal.error(), MeshException.from(e).errorCode(), refusal.requestId() + ": " + e.getMessage());
      UsageRecord r = records.get(refusal.requestId());
      assertEquals(refusal.capability(), r == null ? null : r.capability().wireName(), refusal.requestId() + ": recorded before the answer");
      assertEquals(refusal.error().name(), r.errorCode(), refusal.requestId());
      assertNull(r.backend(), refusal.requestId() + ": no backend was tried");
      answered.flag();
    })));
  }
}
