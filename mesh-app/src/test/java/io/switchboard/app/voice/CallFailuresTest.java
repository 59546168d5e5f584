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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures inside a call, on a whole node: a chat stream cut mid-answer goes on on the second backend; with every
 * speech backend down the caller hears the apology and the call stays up; a call that allows only local backends
 * never reaches the cloud ones, for any stage.
 */
class CallFailuresTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private Vertx client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    client = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void chatStreamCutMidAnswerFinishesOnTheSecondBackend() throws Exception {
    FakeChat primary = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    FakeChat secondary = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    primary.enqueue(FakeChat.Reply.of("Sure, the first part of the answer is here. And the second part follows, with more words "
      + "after it.").cutAfter(14));
    secondary.always(FakeChat.Reply.of("And here is the rest of it."));
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10))
      .add(VoiceNode.chat("primary", primary, "cloud", 10)).add(VoiceNode.chat("secondary", secondary, "cloud", 20));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));

    Await.until(() -> secondary.requests().size() == 1, 30_000, "the continuation on the second backend");
    JsonArray messages = secondary.requests().get(0).getJsonArray("messages");
    JsonObject spoken = messages.getJsonObject(messages.size() - 2);
    assertEquals("assistant", spoken.getString("role"));
    assertEquals("Sure, the first part of the answer is here.", spoken.getString("content"),
      "the continuation starts after the last whole piece; the piece cut mid-way is not spoken");
    assertEquals("system", messages.getJsonObject(messages.size() - 1).getString("role"));
    Await.until(() -> !caller.events("response.audio.done").isEmpty(), 20_000, "the turn's audio, finished");
    assertTrue(caller.events("error").isEmpty(), "no apology: " + caller.events("error"));
    String text = String.join("", caller.events("response.text.delta").stream().map(e -> e.getString("delta")).toList());
    assertTrue(text.endsWith("And here is the rest of it."), text);

    caller.say(Speech.at16k(Speech.SECOND));
    Await.until(() -> primary.requests().size() + secondary.requests().size() >= 3, 30_000, "the next turn: the call stayed up");
    caller.stop();
    Await.until(() -> !node.callRecords().isEmpty(), 10_000, "the call record");
    JsonObject chat = stage(node.callRecords().get(0), "chat");
    assertEquals(List.of("primary", "secondary"), chat.getJsonArray("backends").getList().subList(0, 2));
    assertEquals(1, chat.getInteger("failures"));
  }

  @Test
  void speechStreamCutMidPieceIsSpokenAgainOnTheSecondBackend() throws Exception {
    FakeChat chat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    chat.always(FakeChat.Reply.of("Your table is ready, please come in."));
    FakeSpeech first = FakeSpeech.start(client).await(10, TimeUnit.SECONDS).cutAfter(3);
    FakeSpeech second = FakeSpeech.start(client).await(10, TimeUnit.SECONDS);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("speech-a", first, 10))
      .add(VoiceNode.cloudSpeech("speech-b", second, 20)).add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until(() -> second.requests().stream().anyMatch(r -> r.getString("input").startsWith("Your table is ready")), 30_000,
      "the cut piece asked again of the second backend");
    Await.until(() -> !caller.events("response.audio.done").isEmpty(), 20_000, "the turn's audio, finished");
    assertTrue(caller.events("error").isEmpty(), "no apology: " + caller.events("error"));
    caller.stop();
    Await.until(() -> !node.callRecords().isEmpty(), 10_000, "the call record");
    JsonObject speech = stage(node.callRecords().get(0), "speech");
    assertTrue(speech.getJsonArray("backends").getList().containsAll(List.of("speech-a", "speech-b")), speech.encode());
    assertTrue(speech.getInteger("failures") >= 1, speech.encode());
  }

  @Test
  void everySpeechBackendDownSpeaksTheApologyAndTheCallStaysUp() throws Exception {
    FakeChat chat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    FakeSpeech speech = FakeSpeech.start(client).await(10, TimeUnit.SECONDS).chunkEvery(5);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Await.until(() -> !speech.requests().isEmpty(), 10_000, "the apology spoken once while speech works");
    String apology = speech.requests().get(0).getString("input");
    Thread.sleep(500);
    speech.status(503);
    caller.say(Speech.at16k(Speech.FIRST));

    Await.until(() -> !caller.events("error").isEmpty(), 30_000, "the error event of the failed stage");
    JsonObject error = caller.events("error").get(0).getJsonObject("error");
    assertTrue(error.getString("message").startsWith("speech:"), error.encode());
    long apologyMs = apology.length() * 60L; // the fake speaks 60 ms a character
    Await.until(() -> caller.audioMs(16_000) >= apologyMs - 100, 10_000, "the apology's audio");
    assertTrue(!caller.closed().isComplete(), "the call stays up");

    speech.status(200);
    chat.always(FakeChat.Reply.of("Yes."));
    long before = caller.audioMs(16_000);
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until(() -> caller.audioMs(16_000) > before + 100, 30_000, "the next answer, spoken again");
    caller.stop();
  }

  @Test
  void withSpeechNeverUpTheBuiltInApologyPlays() throws Exception {
    FakeChat chat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    FakeSpeech speech = FakeSpeech.start(client).await(10, TimeUnit.SECONDS).status(503);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    // The recording that ships with the module: 34,200 bytes of μ-law, 4.275 s, sent as 214 whole frames.
    Await.until(() -> caller.frames().size() >= 214, 30_000, "the built-in apology");
    Thread.sleep(300);
    assertEquals(214, caller.frames().size());
    assertTrue(!caller.closed().isComplete(), "the call stays up");
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aLocalOnlyCallNeverReachesACloudBackend() throws Exception {
    FakeChat cloudChat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    FakeChat localChat = FakeChat.start(client).await(10, TimeUnit.SECONDS);
    FakeSpeech cloudSpeech = FakeSpeech.start(client).await(10, TimeUnit.SECONDS);
    localChat.always(FakeChat.Reply.of("Handled on this machine."));
    // The cloud backends come first by priority: only the call's privacy keeps them out.
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10))
      .add(VoiceNode.chat("cloud-chat", cloudChat, "cloud", 1)).add(VoiceNode.chat("local-chat", localChat, "local", 20))
      .add(VoiceNode.cloudSpeech("cloud-speech", cloudSpeech, 1));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject().put("privacy", "local")).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    Await.until(() -> localChat.requests().size() == 1, 30_000, "the local chat backend");
    Await.until(() -> caller.frames().size() > 50, 20_000, "the answer's audio");
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until(() -> !node.callRecords().isEmpty(), 10_000, "the call record");

    assertEquals(0, cloudChat.requests().size(), "the cloud chat fake saw nothing");
    assertEquals(0, cloudSpeech.requests().size(), "the cloud speech fake saw nothing");
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
