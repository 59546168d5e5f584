package io.switchboard.app.voice;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole phone call over Twilio Media Streams, on a whole node in this JVM: flite-spoken sentences as 8 kHz μ-law
 * from a client that speaks Twilio's protocol exactly, the real Silero VAD, the real Whisper, a fake OpenAI chat
 * server behind the real adapter and the router, the real flite for speech. Checks the transcript reaching the chat
 * upstream (WER), the outbound frames, marks, barge-in with {@code clear} and the cancel reaching the chat upstream,
 * the history holding only what was played, and the call's ledger record.
 */
class TwilioCallTest {

  static final String ANSWER = "Sure, the next train to Boston leaves at nine fifteen tonight from platform four. It is an express "
    + "train, so it makes only two stops on the way. You can buy tickets on board or at the station, and there is a cafe car near "
    + "the front of the train.";
  static final String SHORT = "Done. Your two seats are booked.";

  @TempDir
  Path dir;
  private Vertx vertx;
  private Vertx client;
  private FakeChat chat;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    client = Vertx.vertx();
    chat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10)).add(VoiceNode.chat("primary", chat, "cloud", 10));
    node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void conversationWithBargeIn() throws Exception {
    chat.enqueue(FakeChat.Reply.of(ANSWER).slowly(100, 120)).enqueue(FakeChat.Reply.of(SHORT)).enqueue(FakeChat.Reply.of("Bye."));
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject().put("model", "light")).await(10, TimeUnit.SECONDS);
    Thread.sleep(400);
    caller.say(Speech.at8k(Speech.FIRST));

    Await.until(() -> chat.requests().size() >= 1, 30_000, "the first transcript at the chat upstream");
    String heardFirst = chat.lastUserText(0);
    assertTrue(Speech.wer(Speech.FIRST, heardFirst) <= 0.15, "WER of '" + heardFirst + "' = " + Speech.wer(Speech.FIRST, heardFirst));
    assertTrue(chat.requests().get(0).getBoolean("stream"), "the chat stage streams");

    Await.until(() -> !caller.frames().isEmpty(), 20_000, "the answer's first audio");
    long firstFrameAt = caller.events("media").get(0).atMs();
    Await.until(() -> caller.now() > firstFrameAt + 1200, 5_000, "1.2 s of the answer");
    assertEquals(0, chat.cancelled(), "the answer is still streaming");
    caller.say(Speech.at8k(Speech.SECOND));

    Await.until(() -> !caller.events("clear").isEmpty(), 10_000, "clear on barge-in");
    long clearAt = caller.events("clear").get(0).atMs();
    assertTrue(clearAt - caller.speechStartedAt() < 1000, "clear came " + (clearAt - caller.speechStartedAt()) + " ms after the caller spoke");
    Await.until(() -> chat.cancelled() == 1, 5_000, "the cancel reaching the chat upstream");

    Await.until(() -> chat.requests().size() >= 2, 30_000, "the second transcript");
    JsonArray messages = chat.requests().get(1).getJsonArray("messages");
    assertEquals(List.of("system", "user", "assistant", "user"), roles(messages), messages.encodePrettily());
    String heard = messages.getJsonObject(2).getString("content");
    assertTrue(ANSWER.startsWith(heard) && heard.length() < ANSWER.length() / 2,
      "the history keeps only what was played before the barge-in: '" + heard + "'");
    assertTrue(Speech.wer(Speech.SECOND, chat.lastUserText(1)) <= 0.15, "WER of '" + chat.lastUserText(1) + "'");

    int framesBefore = caller.frames().size();
    // "Done." and "Your two seats are booked." are two pieces, each with its mark: wait for the last to play.
    Await.until(() -> caller.echoedMarks().contains("t2p2"), 20_000, "the short answer played to its last mark");
    assertTrue(caller.frames().size() > framesBefore);
    for (byte[] frame : caller.frames()) {
      assertEquals(160, frame.length, "every outbound media payload is one whole 20 ms μ-law frame");
    }
    Thread.sleep(300);
    caller.say(Speech.at8k("Thank you."));
    Await.until(() -> chat.requests().size() >= 3, 30_000, "the third transcript");
    JsonArray third = chat.requests().get(2).getJsonArray("messages");
    assertEquals(SHORT, third.getJsonObject(4).getString("content"), "an answer played to its last mark is kept whole");

    caller.hangUp();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
    Await.until(() -> !node.callRecords().isEmpty(), 10_000, "the call's usage record");
    JsonObject record = node.callRecords().get(0);
    JsonObject call = record.getJsonObject("call");
    assertNotNull(call, record.encodePrettily());
    assertEquals("twilio", call.getString("transport"));
    assertTrue(call.getInteger("turns") >= 3, call.encodePrettily());
    assertEquals(1, call.getInteger("barge_ins"), call.encodePrettily());
    assertEquals(0.0, record.getDouble("cost_usd"), "the stages' records carry the cost");
    assertTrue(call.getDouble("audio_in_seconds") > 5, call.encodePrettily());
    assertTrue(call.getDouble("audio_out_seconds") > 1, call.encodePrettily());
    String callId = record.getString("request_id");
    assertTrue(node.usage.stream().anyMatch(r -> r.getString("request_id").startsWith(callId + "-t1-transcribe")),
      "the stage requests leave their own records, named after the call");
    JsonObject stages = new JsonObject();
    call.getJsonArray("stages").forEach(o -> stages.put(((JsonObject) o).getString("stage"), o));
    assertEquals(List.of("local-whisper"), stages.getJsonObject("transcribe").getJsonArray("backends").getList());
    assertEquals(List.of("primary"), stages.getJsonObject("chat").getJsonArray("backends").getList());
    assertEquals(List.of("local-tts"), stages.getJsonObject("speech").getJsonArray("backends").getList());
  }

  private static List<String> roles(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getString("role")).toList();
  }
}
