package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static io.switchboard.app.voice.ChatUpstream.lastUserText;
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
class TwilioCallTest extends CallFixture {

  static final String ANSWER = "Sure, the next train to Boston leaves at nine fifteen tonight from platform four. It is an express "
    + "train, so it makes only two stops on the way. You can buy tickets on board or at the station, and there is a cafe car near "
    + "the front of the train.";
  static final String SHORT = "Done. Your two seats are booked.";

  private FakeOpenAiServer chat;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    chat = chatUpstream();
    node = cascade(chat, new JsonObject());
  }

  @Test
  void conversationWithBargeIn() throws Exception {
    chat.enqueue(Behaviour.reply(ANSWER).headerDelayMs(100).chunkDelayMs(120)).enqueue(Behaviour.reply(SHORT)).enqueue(Behaviour.reply("Bye."));
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject().put("model", "light")).await(10, TimeUnit.SECONDS);
    Thread.sleep(400);
    caller.say(Speech.at8k(Speech.FIRST));

    Await.until("the first transcript at the chat upstream", () -> chats(chat).size() >= 1);
    String heardFirst = lastUserText(chat, 0);
    assertTrue(Speech.wer(Speech.FIRST, heardFirst) <= 0.15, "WER of '" + heardFirst + "' = " + Speech.wer(Speech.FIRST, heardFirst));
    assertTrue(chats(chat).get(0).getBoolean("stream"), "the chat stage streams");

    Await.until("the answer's first audio", () -> !caller.frames().isEmpty());
    long firstFrameAt = caller.events("media").get(0).atMs();
    Await.until("1.2 s of the answer", () -> caller.now() > firstFrameAt + 1200);
    assertEquals(0, chat.abortedCount(), "the answer is still streaming");
    caller.say(Speech.at8k(Speech.SECOND));

    Await.until("clear on barge-in", () -> !caller.events("clear").isEmpty());
    long clearAt = caller.events("clear").get(0).atMs();
    assertTrue(clearAt - caller.speechStartedAt() < 1000, "clear came " + (clearAt - caller.speechStartedAt()) + " ms after the caller spoke");
    Await.until("the cancel reaching the chat upstream", () -> chat.abortedCount() == 1);

    Await.until("the second transcript", () -> chats(chat).size() >= 2);
    JsonArray messages = chats(chat).get(1).getJsonArray("messages");
    assertEquals(List.of("system", "user", "assistant", "user"), roles(messages), messages.encodePrettily());
    String heard = messages.getJsonObject(2).getString("content");
    assertTrue(ANSWER.startsWith(heard) && heard.length() < ANSWER.length() / 2,
      "the history keeps only what was played before the barge-in: '" + heard + "'");
    assertTrue(Speech.wer(Speech.SECOND, lastUserText(chat, 1)) <= 0.15, "WER of '" + lastUserText(chat, 1) + "'");

    int framesBefore = caller.frames().size();
    // "Done." and "Your two seats are booked." are two pieces, each with its mark: wait for the last to play.
    Await.until("the short answer played to its last mark", () -> caller.echoedMarks().contains("t2p2"));
    assertTrue(caller.frames().size() > framesBefore);
    for (byte[] frame : caller.frames()) {
      assertEquals(160, frame.length, "every outbound media payload is one whole 20 ms μ-law frame");
    }
    Thread.sleep(300);
    caller.say(Speech.at8k("Thank you."));
    Await.until("the third transcript", () -> chats(chat).size() >= 3);
    JsonArray third = chats(chat).get(2).getJsonArray("messages");
    assertEquals(SHORT, third.getJsonObject(4).getString("content"), "an answer played to its last mark is kept whole");

    // The third chat can reach the upstream before the endpoint (preemptive generation, on by default): the turn is
    // the call's only once the endpoint confirms it, so the caller hangs up after its answer has played.
    Await.until("the third answer played to its mark", () -> caller.echoedMarks().contains("t3p1"));
    caller.hangUp();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
    Await.until("the call's usage record", () -> !node.callRecords().isEmpty());
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
