package io.switchboard.app.voice;

import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeServer;
import io.switchboard.core.testkit.realtime.FakeRealtimeSession;
import io.switchboard.voice.testkit.Flite;
import io.switchboard.core.testkit.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/realtime} driven by a client that speaks only OpenAI's Realtime API (GA): the events such a client
 * sends, and every event it receives checked to be a GA server event. In pipeline mode it is served by the node's own
 * backends (the real Whisper, a fake chat upstream behind the real adapter, the real flite); in realtime mode it is
 * relayed to the fake Realtime server through the router and the real adapter.
 */
class RealtimeEndpointTest extends CallFixture {

  private static JsonObject sessionUpdate() {
    JsonObject pcm = new JsonObject().put("type", "audio/pcm").put("rate", 24000);
    return new JsonObject().put("type", "session.update").put("event_id", "evt_client_1").put("session", new JsonObject()
      .put("type", "realtime").put("instructions", "You are a terse train timetable.")
      .put("audio", new JsonObject().put("input", new JsonObject().put("format", pcm)).put("output", new JsonObject().put("format", pcm))));
  }

  @Test
  void pipelineModeServesARealtimeClientWithLocalWhisperAndFlite() throws Exception {
    FakeOpenAiServer chat = chatUpstream();
    chat.setDefault(Behaviour.reply("The next train leaves at nine."));
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.flite(10)).add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject().put("mode", "pipeline"), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    GaClient ga = GaClient.connect(client, node.port, "?model=gpt-realtime").await(10, TimeUnit.SECONDS);
    Await.until("session.created", () -> !ga.events("session.created").isEmpty());
    ga.send(sessionUpdate());
    Await.until("session.updated", () -> !ga.events("session.updated").isEmpty());
    ga.send(new JsonObject().put("type", "transcription_session.update").put("event_id", "evt_client_2"));
    ga.send(new JsonObject().put("type", "response.create").put("event_id", "evt_client_3"));
    Await.until("two errors", () -> ga.events("error").size() == 2);
    assertTrue(ga.events("error").get(0).getJsonObject("error").getString("message").contains("transcription_session.update"));
    assertEquals("evt_client_2", ga.events("error").get(0).getJsonObject("error").getString("event_id"));
    assertTrue(ga.events("error").get(1).getJsonObject("error").getString("message").contains("response.create"));

    ga.say(Flite.speak(Speech.FIRST, 24_000), 100).await(20, TimeUnit.SECONDS);
    ga.say(new float[24_000 * 3 / 2], 100).await(20, TimeUnit.SECONDS);
    Await.until("the answer's response.done", 60_000, () -> !ga.events("response.done").isEmpty());

    String transcript = ga.events("conversation.item.input_audio_transcription.completed").get(0).getString("transcript");
    assertTrue(Speech.wer(Speech.FIRST, transcript) <= 0.15, "WER of '" + transcript + "'");
    assertEquals("You are a terse train timetable.", ChatUpstream.chats(chat).get(0).getJsonArray("messages").getJsonObject(0).getString("content"),
      "session.update's instructions are the call's system prompt");
    assertEquals(1, ga.events("input_audio_buffer.speech_started").size());
    assertEquals(1, ga.events("input_audio_buffer.speech_stopped").size());
    assertEquals("completed", ga.events("response.done").get(0).getJsonObject("response").getString("status"));
    // The chat's own counts reach response.done: the router's record of the chat request says the same, and the fake
    // streamed the answer as six pieces (a word each), one completion token each.
    Await.until("the chat's record", () -> node.usage.stream().anyMatch(r -> "chat".equals(r.getString("capability"))));
    JsonObject chatRecord = node.usage.stream().filter(r -> "chat".equals(r.getString("capability"))).findFirst().orElseThrow();
    long in = chatRecord.getLong("input_tokens");
    assertTrue(in > 0, chatRecord.encode());
    assertEquals(new JsonObject().put("total_tokens", in + 6).put("input_tokens", in).put("output_tokens", 6)
      .put("input_token_details", new JsonObject().put("text_tokens", in))
      .put("output_token_details", new JsonObject().put("text_tokens", 6)),
      ga.events("response.done").get(0).getJsonObject("response").getJsonObject("usage"));
    String said = String.join("", ga.events("response.output_audio_transcript.delta").stream().map(e -> e.getString("delta")).toList());
    assertEquals("The next train leaves at nine.", said.trim());
    long audioBytes = ga.events("response.output_audio.delta").stream().mapToLong(e -> Base64.getDecoder().decode(e.getString("delta")).length).sum();
    assertTrue(audioBytes > 48_000, "over a second of 24 kHz PCM: " + audioBytes + " bytes");
    assertTrue(ga.invalid().isEmpty(), "every event is a GA server event: " + ga.invalid());
    assertTrue(ga.events("response.output_audio.done").size() == 1 && ga.events("response.output_item.done").size() == 1);
    ga.close();
    Await.until("the call's record", () -> !node.callRecords().isEmpty());
    assertEquals("pipeline", node.callRecords().get(0).getJsonObject("call").getString("mode"));
  }

  @Test
  void realtimeModeRelaysARealtimeClientToARealtimeBackend() throws Exception {
    FakeRealtimeServer fake = FakeRealtimeServer.start(client).await(10, TimeUnit.SECONDS).requireKey(Realtime.KEY);
    fake.script().responseMs = 500;
    VoiceNode node = VoiceNode.start(vertx, new JsonArray().add(Realtime.backend("rt", fake, 10)), new JsonObject().put("mode", "realtime"),
      dir, Map.of(Realtime.KEY_ENV, Realtime.KEY));
    GaClient ga = GaClient.connect(client, node.port, "?model=gpt-realtime").await(10, TimeUnit.SECONDS);
    Await.until("session.created", () -> !ga.events("session.created").isEmpty());
    ga.send(sessionUpdate());
    Await.until("session.updated with the client's instructions", () -> ga.events("session.updated").stream()
      .anyMatch(e -> "You are a terse train timetable.".equals(e.getJsonObject("session").getString("instructions"))));
    FakeRealtimeSession session = fake.last();
    assertEquals("You are a terse train timetable.", session.session().getString("instructions"), "the client's session.update reached the backend");
    ga.send(new JsonObject().put("type", "transcription_session.update").put("event_id", "evt_client_2"));
    Await.until("the error naming the unknown event", () -> !ga.events("error").isEmpty());
    assertTrue(ga.events("error").get(0).getJsonObject("error").getString("message").contains("transcription_session.update"));
    assertTrue(session.received("transcription_session.update").isEmpty(), "an unknown event goes no further");

    ga.say(Realtime.tone(24_000, 600), 50).await(20, TimeUnit.SECONDS);
    ga.say(new float[24_000 / 2], 50).await(20, TimeUnit.SECONDS);
    Await.until("the response", () -> !ga.events("response.done").isEmpty());
    assertEquals(1, ga.events("input_audio_buffer.speech_started").size());
    assertEquals("hello there", ga.events("conversation.item.input_audio_transcription.completed").get(0).getString("transcript"));
    long audioBytes = ga.events("response.output_audio.delta").stream().mapToLong(e -> Base64.getDecoder().decode(e.getString("delta")).length).sum();
    assertEquals(500 * 48, audioBytes, "500 ms of 24 kHz PCM");
    ga.send(new JsonObject().put("type", "conversation.item.truncate").put("item_id", "item_a1").put("content_index", 0).put("audio_end_ms", 200));
    Await.until("truncated", () -> !ga.events("conversation.item.truncated").isEmpty());
    assertTrue(ga.invalid().isEmpty(), "every event is a GA server event: " + ga.invalid());
    ga.close();
    Await.until("the upstream session closed with the client's socket", session::closed);
  }
}
