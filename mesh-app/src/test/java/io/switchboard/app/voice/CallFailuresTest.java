package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures inside a call, on a whole node: a chat stream cut mid-answer goes on on the second backend; with every
 * speech backend down the caller hears the apology and the call stays up; a call that allows only local backends
 * never reaches the cloud ones (transcription, chat, speech), though they come first by priority.
 */
class CallFailuresTest extends CallFixture {

  @Test
  void chatStreamCutMidAnswerFinishesOnTheSecondBackend() throws Exception {
    FakeOpenAiServer primary = chatUpstream();
    FakeOpenAiServer secondary = chatUpstream();
    primary.enqueue(Behaviour.reply("Sure, the first part of the answer is here. And the second part follows, with more words "
      + "after it.").cutAfter(14));
    secondary.setDefault(Behaviour.reply("And here is the rest of it."));
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10))
      .add(VoiceNode.chat("primary", primary, "cloud", 10)).add(VoiceNode.chat("secondary", secondary, "cloud", 20));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));

    Await.until("the continuation on the second backend", () -> chats(secondary).size() == 1);
    JsonArray messages = chats(secondary).get(0).getJsonArray("messages");
    JsonObject spoken = messages.getJsonObject(messages.size() - 2);
    assertEquals("assistant", spoken.getString("role"));
    assertEquals("Sure, the first part of the answer is here.", spoken.getString("content"),
      "the continuation starts after the last whole piece; the piece cut mid-way is not spoken");
    assertEquals("system", messages.getJsonObject(messages.size() - 1).getString("role"));
    Await.until("the turn's audio, finished", () -> !caller.events("response.audio.done").isEmpty());
    assertTrue(caller.events("error").isEmpty(), "no apology: " + caller.events("error"));
    String text = String.join("", caller.events("response.text.delta").stream().map(e -> e.getString("delta")).toList());
    assertTrue(text.endsWith("And here is the rest of it."), text);
    // Both streams reached the caller, so both count: the cut one as the router records it (its prompt, and the 14
    // chunks it delivered at four characters a token), the continuation as its backend reported it.
    Await.until("both chat records", () -> chatRecords(node).size() >= 2);
    List<JsonObject> chats = chatRecords(node);
    assertTrue(chats.get(0).getLong("output_tokens") > 0, "the cut stream is billed for what it delivered: " + chats.get(0).encode());
    assertEquals(new JsonObject().put("input_tokens", chats.get(0).getLong("input_tokens") + chats.get(1).getLong("input_tokens"))
        .put("output_tokens", chats.get(0).getLong("output_tokens") + chats.get(1).getLong("output_tokens")),
      caller.events("response.audio.done").get(0).getJsonObject("usage"), "response.audio.done counts both streams");

    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("the next turn: the call stayed up", () -> chats(primary).size() + chats(secondary).size() >= 3);
    caller.stop();
    Await.until("the call record", () -> !node.callRecords().isEmpty());
    JsonObject chat = stage(node.callRecords().get(0), "chat");
    assertEquals(List.of("primary", "secondary"), chat.getJsonArray("backends").getList().subList(0, 2));
    assertEquals(1, chat.getInteger("failures"));
  }

  /** The router's records of the call's chat requests, in the order they were asked. */
  private static List<JsonObject> chatRecords(VoiceNode node) {
    return node.usage.stream().filter(r -> "chat".equals(r.getString("capability")))
      .sorted(java.util.Comparator.comparing(r -> r.getString("request_id"))).toList();
  }

  @Test
  void speechStreamCutMidPieceIsSpokenAgainOnTheSecondBackend() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    chat.setDefault(Behaviour.reply("Your table is ready, please come in."));
    FakeSpeechApi first = FakeSpeechApi.start(client).reply(new PcmTone(client, 20, 3));
    FakeSpeechApi second = FakeSpeechApi.start(client).reply(new PcmTone(client, 20, -1));
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("speech-a", first, 10))
      .add(VoiceNode.cloudSpeech("speech-b", second, 20)).add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    while (!second.next().body().getString("input").startsWith("Your table is ready")) {
      // the apology recorded at the call's start comes first; the cut piece, asked again, after it
    }
    Await.until("the turn's audio, finished", () -> !caller.events("response.audio.done").isEmpty());
    assertTrue(caller.events("error").isEmpty(), "no apology: " + caller.events("error"));
    caller.stop();
    Await.until("the call record", () -> !node.callRecords().isEmpty());
    JsonObject speech = stage(node.callRecords().get(0), "speech");
    assertTrue(speech.getJsonArray("backends").getList().containsAll(List.of("speech-a", "speech-b")), speech.encode());
    assertTrue(speech.getInteger("failures") >= 1, speech.encode());
  }

  @Test
  void everySpeechBackendDownSpeaksTheApologyAndTheCallStaysUp() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    PcmTone tone = new PcmTone(client, 5, -1);
    FakeSpeechApi speech = FakeSpeechApi.start(client).reply(tone);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    String apology = speech.next().body().getString("input"); // spoken once at the call's start, while speech works
    Thread.sleep(500);
    speech.error(503, PcmTone.ERROR, null);
    caller.say(Speech.at16k(Speech.FIRST));

    Await.until("the error event of the failed stage", () -> !caller.events("error").isEmpty());
    JsonObject error = caller.events("error").get(0).getJsonObject("error");
    assertTrue(error.getString("message").startsWith("speech:"), error.encode());
    long apologyMs = apology.length() * 60L; // the fake speaks 60 ms a character
    Await.until("the apology's audio", () -> caller.audioMs(16_000) >= apologyMs - 100);
    assertTrue(!caller.closed().isComplete(), "the call stays up");

    speech.reply(tone);
    chat.setDefault(Behaviour.reply("Yes."));
    long before = caller.audioMs(16_000);
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("the next answer, spoken again", () -> caller.audioMs(16_000) > before + 100);
    caller.stop();
  }

  @Test
  void withSpeechNeverUpTheBuiltInApologyPlays() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    FakeSpeechApi speech = FakeSpeechApi.start(client).error(503, PcmTone.ERROR, null);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    // The recording that ships with the module: 34,200 bytes of μ-law, 4.275 s, sent as 214 whole frames.
    Await.until("the built-in apology", () -> caller.frames().size() >= 214);
    Thread.sleep(300);
    assertEquals(214, caller.frames().size());
    assertTrue(!caller.closed().isComplete(), "the call stays up");
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aLocalOnlyCallNeverReachesACloudBackend() throws Exception {
    FakeOpenAiServer cloudChat = chatUpstream();
    FakeOpenAiServer localChat = chatUpstream();
    FakeSpeechApi cloudSpeech = FakeSpeechApi.start(client).reply(new PcmTone(client, 20, -1));
    FakeTranscriptionApi cloudAsr = FakeTranscriptionApi.start(client);
    localChat.setDefault(Behaviour.reply("Handled on this machine."));
    // The cloud backends come first by priority: only the call's privacy keeps them out.
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10))
      .add(VoiceNode.chat("cloud-chat", cloudChat, "cloud", 1)).add(VoiceNode.chat("local-chat", localChat, "local", 20))
      .add(VoiceNode.cloudSpeech("cloud-speech", cloudSpeech, 1)).add(VoiceNode.cloudTranscription("cloud-asr", cloudAsr, 1));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject().put("privacy", "local")).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    Await.until("the local chat backend", () -> chats(localChat).size() == 1);
    Await.until("the answer's audio", () -> caller.frames().size() > 50);
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the call record", () -> !node.callRecords().isEmpty());

    assertEquals(0, chats(cloudChat).size(), "the cloud chat fake saw nothing");
    assertTrue(cloudSpeech.sawNothing(), "the cloud speech fake saw nothing");
    assertTrue(cloudAsr.sawNothing(), "the cloud transcription fake saw nothing");
    JsonObject record = node.callRecords().get(0);
    assertEquals("local", record.getString("privacy"), "the record says every stage stayed local: " + record.encode());
    assertEquals("local", record.getJsonObject("call").getString("privacy"));
    String callId = record.getString("request_id");
    List<JsonObject> stages = node.usage.stream().filter(r -> r.getString("request_id").startsWith(callId + "-")).toList();
    assertTrue(stages.size() >= 3, stages.toString());
    stages.forEach(r -> assertEquals("local", r.getString("privacy"), r.encode()));
  }

  private static JsonObject stage(JsonObject record, String name) {
    for (Object o : record.getJsonObject("call").getJsonArray("stages")) {
      if (name.equals(((JsonObject) o).getString("stage"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no stage " + name + " in " + record.encode());
  }
}
