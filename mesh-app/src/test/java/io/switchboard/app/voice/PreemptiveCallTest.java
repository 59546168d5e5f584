package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static io.switchboard.app.voice.ChatUpstream.lastUserText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Preemptive generation on a whole node with the real VAD and flite, the plain socket, and OpenAI's transcription API
 * faked (its answer is the text of the audio's length, at once: the local Whisper on a loaded machine can take longer
 * than any endpoint silence, and then nothing is prepared): the chat starts on the speculative transcript, inside the
 * endpoint silence (5 s here: a node's first requests take seconds on a loaded machine), and plays only once the endpoint confirms it; when the caller goes on instead, it is cancelled at
 * the upstream, leaves nothing in the history or on the socket, and the call's record counts it as discarded.
 */
class PreemptiveCallTest {

  private static final JsonObject VOICE = new JsonObject()
    .put("vad", new JsonObject().put("speculative_ms", 150).put("endpoint_silence_ms", 5000));
  private static final String HALF = "My name is John.";
  private static final String WHOLE = "My name is John. I live in Seattle.";

  @TempDir
  Path dir;
  @RegisterExtension
  final CallRig rig = new CallRig();
  private FakeOpenAiServer chat;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    chat = FakeOpenAiServer.start(rig.client).await(10, TimeUnit.SECONDS);
    FakeTranscriptionApi asr = FakeTranscriptionApi.start(rig.client).reply(ctx -> {
      double seconds = ctx.fileUploads().get(0).size() / 32_000.0; // 16-bit WAV at 16 kHz
      ctx.response().putHeader("content-type", "application/json").end(new JsonObject().put("text", seconds < 3 ? HALF : WHOLE)
        .put("language", "english").put("duration", seconds).put("segments", new JsonArray()).encode());
    });
    JsonArray backends = new JsonArray().add(VoiceNode.cloudTranscription("asr", asr, 10)).add(VoiceNode.flite(10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    node = VoiceNode.start(rig.node, backends, VOICE, dir);
  }

  @Test
  void theChatStartsInTheSilenceAndPlaysOnlyOnceTheEndpointConfirmsIt() throws Exception {
    chat.enqueue(Behaviour.reply("Done.")).enqueue(Behaviour.reply("Noted."));
    StreamCaller caller = StreamCaller.connect(rig.client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(HALF));

    Await.until("the answer's audio", 30_000, () -> !caller.events("turn.metrics").isEmpty());
    JsonObject stopped = caller.events("speech.stopped").get(0);
    RecordedRequest first = chatRequests().get(0);
    assertTrue(first.receivedAtMs() < stopped.getLong("at_wall_ms"),
      "the chat was asked for inside the endpoint silence: " + (stopped.getLong("at_wall_ms") - first.receivedAtMs()) + " ms before it");
    for (JsonObject delta : caller.events("response.text.delta")) {
      assertTrue(delta.getLong("at_ms") >= stopped.getLong("at_ms"), "no text of the answer before the endpoint: " + delta.encode());
    }
    assertEquals(1, chats(chat).size(), "the prepared chat is the one used");
    assertEquals(HALF, lastUserText(chat, 0));

    Await.until("the answer played", 30_000, () -> !caller.events("response.audio.done").isEmpty());
    Thread.sleep(300);
    caller.say(Speech.at16k(HALF));
    Await.until("the second chat", 30_000, () -> chats(chat).size() >= 2);
    JsonArray messages = chats(chat).get(1).getJsonArray("messages");
    assertEquals(List.of("system", "user", "assistant", "user"), roles(messages), messages.encodePrettily());
    assertEquals("Done.", messages.getJsonObject(2).getString("content"), "the committed answer is in the history");

    Await.until("the second answer's audio", 30_000, () -> caller.events("turn.metrics").size() >= 2);
    JsonObject chatStage = chatStage(caller);
    assertEquals(2, chatStage.getInteger("requests"), chatStage.encode());
    assertEquals(0, chatStage.getInteger("discarded"), chatStage.encode());
  }

  @Test
  void aCallerWhoGoesOnCancelsThePreparedChatAndItLeavesNoTrace() throws Exception {
    String wrong = "This answer was prepared for half a sentence.";
    chat.enqueue(Behaviour.reply(wrong).chunks(20).chunkDelayMs(400)).enqueue(Behaviour.reply("Right."));
    StreamCaller caller = StreamCaller.connect(rig.client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(HALF));
    caller.say(new float[16_000 * 3]); // a pause of 3 s: longer than the speculation, shorter than the endpoint
    caller.say(Speech.at16k("I live in Seattle."));

    Await.until("the prepared chat at the upstream", 30_000, () -> chats(chat).size() >= 1);
    assertTrue(caller.events("speech.stopped").isEmpty(), "prepared before any endpoint");
    Await.until("its cancel reaching the upstream", 30_000, () -> chat.abortedCount() == 1);
    Await.until("the chat for the whole utterance", 30_000, () -> chats(chat).size() >= 2);
    JsonArray messages = chats(chat).get(1).getJsonArray("messages");
    assertEquals(List.of("system", "user"), roles(messages), "nothing of the discarded answer in the history: " + messages.encodePrettily());
    assertEquals(HALF, lastUserText(chat, 0), "the chat prepared on the first half");
    assertEquals(WHOLE, lastUserText(chat, 1), "one utterance, both halves");

    Await.until("the answer played", 30_000, () -> !caller.events("response.audio.done").isEmpty());
    assertEquals(1, caller.events("speech.stopped").size(), "one endpoint");
    assertEquals(1, caller.events("transcript").size(), "the discarded turn's transcript is not announced");
    String deltas = String.join("", caller.events("response.text.delta").stream().map(e -> e.getString("delta")).toList());
    assertEquals("Right.", deltas, "no text of the discarded answer reached the client");
    JsonObject chatStage = chatStage(caller);
    assertEquals(2, chatStage.getInteger("requests"), chatStage.encode());
    assertEquals(1, chatStage.getInteger("discarded"), chatStage.encode());
    List<String> chatRecords = node.usage.stream().filter(r -> "chat".equals(r.getString("capability")))
      .map(r -> r.getString("request_id").replaceAll("^call_[0-9a-f]+-", "") + " " + r.getString("error_code")).toList();
    assertEquals(List.of("t1-chat-3 CANCELLED", "t1-chat-5 null"), chatRecords, "the router's own record of the discarded chat");
    assertFalse(caller.events("turn.metrics").isEmpty());
  }

  @Test
  void aCallCanTurnItOff() throws Exception {
    chat.enqueue(Behaviour.reply("Done."));
    StreamCaller caller = StreamCaller.connect(rig.client, node.port, 16_000, new JsonObject().put("preemptive", "off"))
      .await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(HALF));
    Await.until("the answer's audio", 30_000, () -> !caller.events("turn.metrics").isEmpty());
    assertTrue(chatRequests().get(0).receivedAtMs() >= caller.events("speech.stopped").get(0).getLong("at_wall_ms") - 200,
      "the chat waited for the endpoint (or its clock, a frame before the event)");
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);

    StreamCaller refused = StreamCaller.connect(rig.client, node.port, 16_000, new JsonObject().put("preemptive", "maybe"))
      .await(10, TimeUnit.SECONDS);
    refused.closed().await(10, TimeUnit.SECONDS);
    assertTrue(refused.closeReason().contains("preemptive"), refused.closeReason());
  }

  /** The chat stage of the call's record, once the caller hung up. */
  private JsonObject chatStage(StreamCaller caller) throws Exception {
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the call's record", () -> !node.callRecords().isEmpty());
    JsonObject call = node.callRecords().get(0).getJsonObject("call");
    assertEquals(call.getInteger("turns"), caller.events("turn.metrics").size(), "turns counts the committed ones: " + call.encode());
    return call.getJsonArray("stages").stream().map(JsonObject.class::cast).filter(s -> s.getString("stage").equals("chat"))
      .findFirst().orElseThrow();
  }

  private List<RecordedRequest> chatRequests() {
    return chat.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).toList();
  }

  private static List<String> roles(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getString("role")).toList();
  }
}
