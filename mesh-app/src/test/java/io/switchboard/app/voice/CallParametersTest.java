package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A call's own parameters ({@code start.customParameters} on Twilio, the {@code start} message on the plain socket)
 * reach the stage that uses them, through the real router and adapters, as the fake upstreams see them:
 * {@code language} in the transcription upload's form, {@code system_prompt} as the chat's system message,
 * {@code voice} in the speech request, and {@code strategy} in the router's choice (by cost, the cheap chat backend;
 * without it, the conf's fallback order picks the first by priority, the dear one). A bad value of any of them refuses
 * the call before it starts: 1008 with the reason (the plain socket sends an {@code invalid_request_error} event
 * first), and no upstream sees anything.
 */
class CallParametersTest extends CallFixture {

  private FakeOpenAiServer dear;
  private FakeOpenAiServer cheap;
  private FakeSpeechApi speech;
  private FakeTranscriptionApi asr;
  private VoiceNode node;

  @BeforeEach
  void start() throws Exception {
    dear = chatUpstream();
    cheap = chatUpstream();
    dear.setDefault(Behaviour.reply("Certainly."));
    cheap.setDefault(Behaviour.reply("Certainly."));
    speech = FakeSpeechApi.start(client).reply(new PcmTone(client, 20, -1));
    asr = FakeTranscriptionApi.start(client).reply(ctx -> ctx.response().putHeader("content-type", "application/json")
      .end(new JsonObject().put("text", Speech.FIRST).put("language", "german").put("duration", 3.0)
        .put("segments", new JsonArray()).encode()));
    JsonArray backends = new JsonArray()
      .add(VoiceNode.chat("dear", dear, "cloud", 1).put("prices", price(30.0)))
      .add(VoiceNode.chat("cheap", cheap, "cloud", 20).put("prices", price(0.1)))
      .add(VoiceNode.cloudSpeech("speech", speech, 10)).add(VoiceNode.cloudTranscription("asr", asr, 10));
    node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
  }

  private static JsonObject price(double perMtok) {
    return new JsonObject().put("gpt-4o-mini", new JsonObject().put("input_per_mtok", perMtok).put("output_per_mtok", perMtok));
  }

  @Test
  void thePlainSocketsStartParametersReachTheirStages() throws Exception {
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject().put("voice", "nova").put("strategy", "cost")
      .put("system_prompt", "You are the front desk of the Hotel Test.").put("language", "de")).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the chat on the cheap backend", () -> chats(cheap).size() == 1);
    Await.until("the answer's speech", () -> !caller.events("response.audio.done").isEmpty());
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    assertReached("de", "You are the front desk of the Hotel Test.", "nova");
  }

  @Test
  void twiliosCustomParametersReachTheirStagesAndWithoutAStrategyTheConfsOrderHolds() throws Exception {
    TwilioCaller caller = TwilioCaller.connect(client, node.port, new JsonObject().put("voice", "onyx").put("strategy", "cost")
      .put("system_prompt", "You answer the phone for the Test Clinic.").put("language", "fr")).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at8k(Speech.FIRST));
    Await.until("the chat on the cheap backend", () -> chats(cheap).size() == 1);
    Await.until("the answer's audio", () -> caller.frames().size() > 20);
    caller.hangUp();
    caller.closed().await(10, TimeUnit.SECONDS);
    assertReached("fr", "You answer the phone for the Test Clinic.", "onyx");

    TwilioCaller plain = TwilioCaller.connect(client, node.port, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    plain.say(Speech.at8k(Speech.FIRST));
    Await.until("the chat on the dear backend, first by priority", () -> chats(dear).size() == 1);
    plain.hangUp();
    plain.closed().await(10, TimeUnit.SECONDS);
    assertEquals(1, chats(cheap).size(), "without the strategy parameter the cheap backend is not chosen");
    String language = asr.next().form().get("language");
    assertEquals("en", language, "conf's language when the call names none");
  }

  /** Each bad value, as the documented refusal: the plain socket's error event, then 1008 with the reason. */
  @Test
  void aBadValueRefusesTheCallWithTheReason() throws Exception {
    Map<JsonObject, String> bad = Map.of(
      new JsonObject().put("strategy", "fastest"), "unknown strategy 'fastest'",
      new JsonObject().put("language", "not a language!"), "call parameter 'language' must be an ISO-639-1 code",
      new JsonObject().put("voice", 42), "call parameter 'voice' must be a string",
      new JsonObject().put("system_prompt", "x".repeat(8001)), "call parameter 'system_prompt' is longer than 8000 characters");
    for (Map.Entry<JsonObject, String> c : bad.entrySet()) {
      StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, c.getKey()).await(10, TimeUnit.SECONDS);
      assertEquals((short) 1008, caller.closed().await(10, TimeUnit.SECONDS), c.getValue());
      assertTrue(caller.closeReason().contains(c.getValue()), caller.closeReason());
      JsonObject error = caller.events("error").get(0).getJsonObject("error");
      assertEquals("invalid_request_error", error.getString("type"), error.encode());
      assertTrue(error.getString("message").contains(c.getValue()), error.encode());
      assertTrue(caller.events("session.started").isEmpty(), "no call started");
    }
    TwilioCaller twilio = TwilioCaller.connect(client, node.port, new JsonObject().put("language", "not a language!"))
      .await(10, TimeUnit.SECONDS);
    assertEquals((short) 1008, twilio.closed().await(10, TimeUnit.SECONDS));
    assertTrue(twilio.closeReason().contains("call parameter 'language'"), twilio.closeReason());
    assertTrue(asr.sawNothing() && speech.sawNothing() && chats(dear).isEmpty() && chats(cheap).isEmpty(), "no upstream saw a refused call");
  }

  /** The transcription upload, the chat request and the first answer's speech request carry the call's values. */
  private void assertReached(String language, String systemPrompt, String voice) {
    FakeTranscriptionApi.Upload upload = asr.next();
    assertEquals(language, upload.form().get("language"), "language reached the transcription upload");
    JsonObject request = chats(cheap).get(0);
    JsonObject first = request.getJsonArray("messages").getJsonObject(0);
    assertEquals("system", first.getString("role"), request.encode());
    assertEquals(systemPrompt, first.getString("content"), "system_prompt reached the chat");
    assertTrue(chats(dear).isEmpty(), "strategy cost chose the cheap backend over the first by priority");
    boolean spoken = false;
    while (!speech.sawNothing()) {
      FakeSpeechApi.Seen seen = speech.next();
      assertEquals(voice, seen.body().getString("voice"), "voice reached every speech request: " + seen.body().encode());
      spoken |= "Certainly.".equals(seen.body().getString("input"));
    }
    assertTrue(spoken, "the answer was spoken");
  }
}
