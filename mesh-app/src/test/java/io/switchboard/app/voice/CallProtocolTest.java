package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken clients: each kind of malformed or out-of-order input closes its own call with a WebSocket status and a reason
 * (and leaves a call record saying why, once the call had started), while a call running beside them goes on.
 */
class CallProtocolTest extends CallFixture {

  private FakeOpenAiServer chat;
  private VoiceNode node;

  private record Case(String name, boolean started, Consumer<TwilioCaller> send, int status, String reason) {
  }

  @BeforeEach
  void start() throws Exception {
    chat = chatUpstream();
    node = cascade(chat, new JsonObject());
  }

  private static JsonObject media(TwilioCaller c, String sid, String payload) {
    return new JsonObject().put("event", "media").put("sequenceNumber", c.seq()).put("streamSid", sid)
      .put("media", new JsonObject().put("track", "inbound").put("chunk", "1").put("timestamp", "20").put("payload", payload));
  }

  private static final String FRAME = Base64.getEncoder().encodeToString(new byte[160]);

  private static List<Case> cases() {
    return List.of(
      new Case("not JSON", false, c -> c.send("hello, twilio"), 1007, "message is not JSON"),
      new Case("JSON that is not an object", false, c -> c.send("[1, 2, 3]"), 1007, "message is not a JSON object"),
      new Case("no event", false, c -> c.send("{\"streamSid\": \"MZ1\"}"), 1008, "message has no event"),
      new Case("unknown event", true, c -> c.text(new JsonObject().put("event", "dance").put("streamSid", c.streamSid())), 1008,
        "unknown event 'dance'"),
      new Case("media before start", false, c -> c.text(media(c, "MZ1", FRAME)), 1008, "'media' before 'start'"),
      new Case("binary frame", true, c -> c.sendBinary(new byte[160]), 1003, "binary frame"),
      new Case("invalid base64", true, c -> c.text(media(c, c.streamSid(), "!!not base64!!")), 1007, "media payload is not valid base64"),
      new Case("oversize payload", true, c -> c.text(media(c, c.streamSid(), Base64.getEncoder().encodeToString(new byte[20_000]))), 1009,
        "media payload of"),
      new Case("a second start", true, c -> c.text(c.start(new JsonObject())), 1008, "a second 'start'"),
      new Case("another stream's media", true, c -> c.text(media(c, "MZother", FRAME)), 1008, "message for another streamSid"),
      new Case("not μ-law 8 kHz", false, c -> c.text(c.start(new JsonObject()).put("start", c.start(new JsonObject()).getJsonObject("start")
        .put("mediaFormat", new JsonObject().put("encoding", "audio/l16").put("sampleRate", 16000).put("channels", 1)))), 1003,
        "unsupported media format"),
      new Case("a parameter of the wrong kind", false, c -> c.text(c.start(new JsonObject().put("privacy", "nowhere"))), 1008,
        "unknown privacy class 'nowhere'"));
  }

  @Test
  void eachMalformedInputClosesOnlyItsOwnCall() throws Exception {
    chat.setDefault(Behaviour.reply("I heard you."));
    TwilioCaller good = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    good.dtmf("1"); // valid Twilio input the call takes (and only logs) while it goes on
    good.say(Speech.at8k(Speech.FIRST));

    for (Case k : cases()) {
      TwilioCaller bad = TwilioCaller.raw(client, node.port).await(10, TimeUnit.SECONDS);
      bad.text(new JsonObject().put("event", "connected").put("protocol", "Call").put("version", "1.0.0"));
      if (k.started) {
        bad.text(bad.start(new JsonObject()));
        bad.text(media(bad, bad.streamSid(), FRAME));
      }
      k.send.accept(bad);
      short status = bad.closed().await(10, TimeUnit.SECONDS);
      assertEquals(k.status, (int) status, k.name + ": " + bad.closeReason());
      assertTrue(bad.closeReason() != null && bad.closeReason().contains(k.reason), k.name + ": " + bad.closeReason());
    }

    Await.until("the good call's transcript", () -> chats(chat).size() == 1);
    Await.until("the good call's answer", () -> good.frames().size() > 20);
    assertFalse(good.closed().isComplete(), "the good call is untouched");
    good.hangUp();
    good.closed().await(10, TimeUnit.SECONDS);

    Await.until("the records of the calls that had started", () -> node.callRecords().size() >= 7);
    List<JsonObject> refused = node.callRecords().stream().filter(r -> r.getInteger("status") == 400).toList();
    assertEquals(6, refused.size(), "each started call broken by its client: " + node.callRecords());
    assertTrue(refused.stream().allMatch(r -> r.getJsonObject("call").getString("end_reason").startsWith("protocol error: ")));
  }

  @Test
  void thePlainSocketChecksItsFramesToo() throws Exception {
    record Plain(String name, Consumer<StreamCaller> send, int status, String reason) {
    }
    List<Plain> plain = List.of(
      new Plain("audio before start", c -> c.sendBinary(Buffer.buffer(new byte[640])), 1008, "audio before 'start'"),
      new Plain("no sample rate", c -> c.sendText("{\"type\":\"start\"}"), 1008, "'sample_rate' must be a whole number"),
      new Plain("odd PCM bytes", c -> {
        c.sendText("{\"type\":\"start\",\"sample_rate\":16000}");
        c.sendBinary(Buffer.buffer(new byte[641]));
      }, 1007, "is not whole 16-bit samples"),
      new Plain("unknown type", c -> {
        c.sendText("{\"type\":\"start\",\"sample_rate\":16000}");
        c.sendText("{\"type\":\"sing\"}");
      }, 1008, "unknown message type 'sing'"));
    for (Plain k : plain) {
      StreamCaller c = StreamCaller.raw(client, node.port, 16_000, null).await(10, TimeUnit.SECONDS);
      k.send.accept(c);
      assertEquals(k.status, (int) c.closed().await(10, TimeUnit.SECONDS), k.name + ": " + c.closeReason());
      assertTrue(c.closeReason().contains(k.reason), k.name + ": " + c.closeReason());
      JsonObject error = c.events("error").get(0).getJsonObject("error");
      assertTrue(error.getString("message").contains(k.reason), error.encode());
    }
  }
}
