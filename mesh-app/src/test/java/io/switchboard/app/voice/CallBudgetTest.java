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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A key's budget running out in the middle of a call, spent by the call's own turns, through the real router and
 * ledger: the transcription stage is priced by the audio minute and the key's daily budget holds one turn's
 * transcription but not two. The first turn is answered; the second is refused by the router before anything goes
 * upstream (its hold no longer fits), so the caller hears the apology and gets an {@code error} event with
 * {@code budget_exceeded}, the call stays up, a third utterance is refused the same way, and the call's record and
 * its stage records show one answered turn, the refusals, and a spend within the budget.
 */
class CallBudgetTest extends CallFixture {

  /** $1 an audio minute: each ~3 s utterance (with the pre-roll and tail the call sends) costs about 5 cents. */
  static final double PER_MINUTE = 1.0;
  static final double BUDGET = 0.075;

  @Test
  void theBudgetRunsOutMidCallTheCallerHearsTheApologyAndNothingMoreIsSpent() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    chat.setDefault(Behaviour.reply("Of course. What date would you like?"));
    FakeSpeechApi speech = FakeSpeechApi.start(client).reply(new PcmTone(client, 20, -1));
    FakeTranscriptionApi asr = FakeTranscriptionApi.start(client).reply(ctx -> ctx.response().putHeader("content-type", "application/json")
      .end(new JsonObject().put("text", Speech.FIRST).put("language", "english").put("duration", 3.0)
        .put("segments", new JsonArray()).encode()));
    JsonArray backends = new JsonArray().add(VoiceNode.chat("primary", chat, "cloud", 10)).add(VoiceNode.cloudSpeech("speech", speech, 10))
      .add(VoiceNode.cloudTranscription("asr", asr, 10)
        .put("prices", new JsonObject().put("whisper-1", new JsonObject().put("per_audio_minute", PER_MINUTE))));
    // Speculation off: a speculative transcription of a pause would be a second priced request in a turn, and this test
    // counts exactly which request the budget stops.
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject().put("vad", new JsonObject().put("speculative_ms", 0)), dir);
    JsonObject created = vertx.eventBus().<JsonObject>request("switchboard.keys", new JsonObject().put("op", "create")
      .put("name", "one-turn").put("limits", new JsonObject().put("daily_budget_usd", BUDGET))).await(10, TimeUnit.SECONDS).body();
    String key = created.getString("api_key");
    String keyId = created.getJsonObject("key").getString("id");

    StreamCaller caller = StreamCaller.raw(client, node.port, 16_000, "Bearer " + key).await(10, TimeUnit.SECONDS);
    caller.start(new JsonObject());
    Await.until("the call", () -> !caller.events("session.started").isEmpty());
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the first turn answered", () -> !caller.events("response.audio.done").isEmpty());
    assertEquals(1, chats(chat).size());
    asr.next();
    assertTrue(caller.events("error").isEmpty(), caller.events("error").toString());

    long audioBefore = caller.audioMs(16_000);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the refused turn's error event", () -> !caller.events("error").isEmpty());
    JsonObject error = caller.events("error").get(0).getJsonObject("error");
    assertEquals("budget_exceeded", error.getString("code"), error.encode());
    assertEquals("insufficient_quota", error.getString("type"), error.encode());
    assertTrue(error.getString("message").startsWith("transcription: ") && error.getString("message").contains("budget"), error.encode());
    Await.until("the apology's audio", () -> caller.audioMs(16_000) > audioBefore + 1000);
    assertTrue(asr.sawNothing(), "the refused transcription never went upstream");
    assertEquals(1, chats(chat).size(), "no chat for the refused turn");
    assertFalse(caller.closed().isComplete(), "the call stays up");

    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the third utterance refused too", () -> caller.events("error").size() == 2);
    assertEquals("budget_exceeded", caller.events("error").get(1).getJsonObject("error").getString("code"));
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the call record", () -> !node.callRecords().isEmpty());
    assertTrue(asr.sawNothing(), "nothing more went upstream");
    assertEquals(1, chats(chat).size());

    JsonObject record = node.callRecords().get(0);
    String callId = record.getString("request_id");
    assertEquals(keyId, record.getString("key_id"));
    JsonObject call = record.getJsonObject("call");
    assertEquals(1, call.getInteger("turns"), "one answered turn: " + record.encode());
    JsonObject transcribe = stage(call, "transcribe");
    assertEquals(3, transcribe.getInteger("requests"), transcribe.encode());
    assertEquals(2, transcribe.getInteger("failures"), transcribe.encode());
    assertTrue(transcribe.getDouble("cost_usd") > 0 && transcribe.getDouble("cost_usd") <= BUDGET, transcribe.encode());

    List<JsonObject> stages = node.usage.stream().filter(r -> r.getString("request_id").startsWith(callId + "-")).toList();
    List<JsonObject> refused = stages.stream().filter(r -> r.getInteger("status", 200) == 402).toList();
    assertEquals(2, refused.size(), "the two refused transcriptions left records: " + stages);
    refused.forEach(r -> {
      assertTrue(r.getString("request_id").contains("-transcribe-"), r.encode());
      assertEquals(0.0, r.getDouble("cost_usd"), r.encode());
      assertEquals(keyId, r.getString("key_id"));
    });
    double spent = stages.stream().mapToDouble(r -> r.getDouble("cost_usd", 0d)).sum();
    assertTrue(spent > 0 && spent <= BUDGET, "the call's stages spent " + spent + " of a " + BUDGET + " budget: " + stages);
  }

  private static JsonObject stage(JsonObject call, String name) {
    for (Object o : call.getJsonArray("stages")) {
      if (name.equals(((JsonObject) o).getString("stage"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no stage " + name + " in " + call.encode());
  }
}
