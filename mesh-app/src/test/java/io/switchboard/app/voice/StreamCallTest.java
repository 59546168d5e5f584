package io.switchboard.app.voice;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.switchboard.app.voice.ChatUpstream.chats;
import static io.switchboard.app.voice.ChatUpstream.lastUserText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same kind of call on the plain socket, with 16-bit PCM at 16 kHz: events ({@code transcript},
 * {@code response.text.delta}, {@code turn.metrics}, {@code audio.clear}, {@code response.audio.done}), the agent's
 * audio in 20 ms PCM frames, barge-in reaching both the chat and the speech upstreams.
 */
class StreamCallTest extends CallFixture {

  static final String ANSWER = "Of course, I can change it for you right away. Which day would you like to travel instead, and at "
    + "what time of day? I can also look for a cheaper fare if you are flexible.";

  private FakeOpenAiServer chat;

  @BeforeEach
  void start() throws Exception {
    chat = chatUpstream();
  }

  @Test
  void conversationAtSixteenKilohertz() throws Exception {
    JsonArray backends = VoiceNode.localCascade(chat);
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject().put("greeting", "Hello, how can I help?"), dir,
      Map.of("FAKE_KEY", "sk-fake-voice"));
    chat.enqueue(Behaviour.reply(ANSWER).headerDelayMs(100).chunkDelayMs(120)).enqueue(Behaviour.reply("Noted. Anything else?"));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);

    Await.until("session.started", () -> !caller.events("session.started").isEmpty());
    assertEquals(16_000, caller.events("session.started").get(0).getInteger("output_sample_rate"));
    Await.until("the greeting's audio", () -> caller.audioMs(16_000) > 500);
    Await.until("the greeting's mark", () -> !caller.events("mark").isEmpty());
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));

    Await.until("the transcript event", () -> !caller.events("transcript").isEmpty());
    String transcript = caller.events("transcript").get(0).getString("text");
    assertTrue(Speech.wer(Speech.FIRST, transcript) <= 0.15, "WER of '" + transcript + "'");
    Await.until("the chat request", () -> chats(chat).size() >= 1);
    assertEquals(transcript, lastUserText(chat, 0), "the chat stage got the transcript");
    assertEquals("assistant", chats(chat).get(0).getJsonArray("messages").getJsonObject(1).getString("role"),
      "the greeting is in the history");

    Await.until("turn.metrics", () -> !caller.events("turn.metrics").isEmpty());
    JsonObject metrics = caller.events("turn.metrics").get(0);
    for (String field : List.of("endpoint_ms", "transcription_ms", "chat_first_token_ms", "speech_first_audio_ms", "first_frame_ms",
      "voice_to_voice_ms")) {
      assertTrue(metrics.getLong(field) >= 0, field + " in " + metrics.encode());
    }
    // 500 ms of silence, counted in audio from where the sound stopped. The metric is the wall clock between two frames'
    // arrivals, so a frame the loaded test machine delivered late shortens it (478 once at load 9); an endpoint that did
    // not wait for the silence would read one VAD window (32 ms) or less.
    assertTrue(metrics.getLong("endpoint_ms") >= 400, "the endpoint waits for 500 ms of silence: " + metrics.encode());
    assertTrue(metrics.getLong("voice_to_voice_ms") >= metrics.getLong("endpoint_ms") + metrics.getLong("transcription_ms"),
      metrics.encode());
    assertEquals("local-whisper", metrics.getJsonObject("backends").getString("transcribe"));
    assertEquals("primary", metrics.getJsonObject("backends").getString("chat"));
    assertEquals("local-tts", metrics.getJsonObject("backends").getString("speech"));
    assertTrue(!caller.events("response.text.delta").isEmpty());

    long audioBefore = caller.audioMs(16_000);
    Await.until("1.2 s of the answer", () -> caller.audioMs(16_000) > audioBefore + 1200);
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("audio.clear on barge-in", () -> !caller.events("audio.clear").isEmpty());
    Await.until("the cancel reaching the chat upstream", () -> chat.abortedCount() == 1);
    Await.until("the second transcript", () -> chats(chat).size() >= 2);
    JsonArray messages = chats(chat).get(1).getJsonArray("messages");
    String heard = messages.getJsonObject(3).getString("content");
    assertTrue(ANSWER.startsWith(heard) && heard.length() < ANSWER.length() / 2, "only what was played: '" + heard + "'");

    Await.until("response.audio.done", () -> !caller.events("response.audio.done").isEmpty());
    for (Buffer frame : caller.audio()) {
      assertEquals(640, frame.length(), "20 ms of 16-bit PCM at 16 kHz a frame");
    }
    caller.stop();
    assertEquals((short) 1000, caller.closed().await(10, TimeUnit.SECONDS));
    Await.until("the call's usage record", () -> !node.callRecords().isEmpty());
    JsonObject call = node.callRecords().get(0);
    assertEquals("stream", call.getJsonObject("call").getString("transport"));
    // The answer cut by the barge-in is billed by the router for what it delivered; the call counts the same tokens.
    Supplier<List<JsonObject>> chatRecords = stageRecords(node, call, "chat");
    Await.until("the router's records of both answers", () -> chatRecords.get().size() == 2);
    List<JsonObject> chats = chatRecords.get();
    assertTrue(chats.stream().allMatch(r -> r.getLong("output_tokens") > 0), "both answers billed: " + chats);
    assertEquals(chats.stream().mapToLong(r -> r.getLong("input_tokens")).sum(), call.getLong("input_tokens"), call.encode());
    assertEquals(chats.stream().mapToLong(r -> r.getLong("output_tokens")).sum(), call.getLong("output_tokens"), call.encode());
  }

  /**
   * The caller speaks again while the answer's chat stream has sent nothing yet (its upstream holds the headers back):
   * the answer is stopped unheard. Its first message, when it comes, is answered with the cancel, which reaches the
   * upstream; none of its text reaches the caller or the history; and the call counts the tokens the router billed for
   * it (the prompt, and what that first message carried), as it does for an answer cut after it began.
   */
  @Test
  void bargeInBeforeTheFirstTokenCancelsTheAnswerUnheard() throws Exception {
    JsonArray backends = VoiceNode.localCascade(chat);
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir, Map.of("FAKE_KEY", "sk-fake-voice"));
    String unheard = "Nobody should ever hear this reply because the caller spoke before it began";
    chat.enqueue(Behaviour.reply(unheard).headerDelayMs(2500).chunks(8).chunkDelayMs(300))
      .enqueue(Behaviour.reply("Noted. Anything else?"));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("the first chat request upstream", () -> chats(chat).size() >= 1);
    assertTrue(caller.events("response.text.delta").isEmpty(), "the upstream holds its answer back");
    caller.say(Speech.at16k(Speech.SECOND));

    Await.until("the cancel reaching the chat upstream", () -> chat.abortedCount() == 1);
    Await.until("the second answer's chat request", () -> chats(chat).size() >= 2);
    Await.until("the second answer spoken", () -> !caller.events("response.audio.done").isEmpty());
    String texts = caller.events("response.text.delta").stream().map(e -> e.getString("delta")).reduce("", String::concat);
    assertEquals("Noted. Anything else?", texts.trim(), "only the second answer's text reached the caller");
    assertFalse(chats(chat).get(1).encode().contains("Nobody"), "the unheard answer is not in the history: " + chats(chat).get(1));

    JsonObject call = hangUp(caller, node);
    Supplier<List<JsonObject>> chatRecords = stageRecords(node, call, "chat");
    Await.until("the router's records of both answers", () -> chatRecords.get().size() == 2);
    List<JsonObject> chats = chatRecords.get();
    assertEquals(chats.stream().mapToLong(r -> r.getLong("input_tokens")).sum(), call.getLong("input_tokens"), chats + " " + call.encode());
    assertEquals(chats.stream().mapToLong(r -> r.getLong("output_tokens")).sum(), call.getLong("output_tokens"), chats + " " + call.encode());
  }

  /**
   * Transcription started after 200 ms of silence is the one used when the endpoint follows: one request per turn. (A
   * sentence without a comma: flite's pause after one can pass 200 ms, and a speculation there is rightly discarded.)
   */
  @Test
  void speculativeTranscriptionIsKeptWhenTheEndpointFollows() throws Exception {
    JsonArray backends = VoiceNode.localCascade(chat);
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject().put("vad", new JsonObject().put("speculative_ms", 200)), dir,
      Map.of("FAKE_KEY", "sk-fake-voice"));
    chat.setDefault(Behaviour.reply("Done."));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("the turn", () -> !caller.events("turn.metrics").isEmpty());
    assertTrue(Speech.wer(Speech.SECOND, lastUserText(chat, 0)) <= 0.15, lastUserText(chat, 0));
    caller.stop();
    Await.until("the call record", () -> !node.callRecords().isEmpty());
    JsonObject transcribe = node.callRecords().get(0).getJsonObject("call").getJsonArray("stages").getJsonObject(0);
    assertEquals("transcribe", transcribe.getString("stage"));
    assertEquals(1, transcribe.getInteger("requests"), "the early transcription was kept: " + transcribe.encode());
  }

  /** With a cloud speech API that only makes 24 kHz PCM: the call's 16 kHz audio is resampled, and a barge-in cancels it. */
  @Test
  void bargeInCancelsTheSpeechStreamAtItsBackend() throws Exception {
    PcmTone tone = new PcmTone(client, 90, -1);
    FakeSpeechApi speech = FakeSpeechApi.start(client).reply(tone);
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    chat.enqueue(Behaviour.reply("This is one long sentence that the speech service reads out slowly, far more slowly than a "
      + "person would ever want to hear it read, so that it is still speaking when the caller cuts in."));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("a second of the answer", () -> caller.audioMs(16_000) > 1000);
    assertEquals(0, tone.cancelled());
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("audio.clear", () -> !caller.events("audio.clear").isEmpty());
    Await.until("the cancel reaching the speech upstream", () -> tone.cancelled() >= 1);
    JsonObject first = speech.next().body();
    assertEquals("pcm", first.getString("response_format"), "the speech stage asks for PCM, resampled here from 24 kHz");
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
  }

  /**
   * A barge-in while two pieces' speech is in flight: one mid-stream (its audio playing), the next asked for but not
   * answered yet (its upstream holds the response back, then sends all its audio at once). The router bills a speech
   * request by its characters when it served it and not when the call cancelled it first; the call's record counts
   * the same characters (as the router counts them: UTF-16 units, an emoji two) and cost as the router's records of
   * the call's speech requests, the spoken apology's recording among them.
   */
  @Test
  void bargeInDuringSpeechCountsWhatTheRouterBilledForIt() throws Exception {
    String first = "This first sentence is long enough that the speech service is still reading it out when the caller cuts in.";
    String second = "The second one waits.";
    PcmTone tone = new PcmTone(client, 90, -1);
    List<String> asked = new CopyOnWriteArrayList<>();
    FakeSpeechApi speech = FakeSpeechApi.start(client).reply(ctx -> {
      asked.add(ctx.body().asJsonObject().getString("input", ""));
      if (second.equals(asked.getLast())) {
        client.setTimer(4000, t -> ctx.response().putHeader("content-type", "audio/pcm").end(Buffer.buffer(new byte[960])));
      } else {
        tone.accept(ctx);
      }
    });
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10)
        .put("prices", new JsonObject().put("tts-1", new JsonObject().put("per_1k_chars", 15.0))))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    VoiceNode node = VoiceNode.start(vertx, backends, new JsonObject(), dir);
    chat.enqueue(Behaviour.reply(first + " " + second)).enqueue(Behaviour.reply("Noted \uD83D\uDC4D."));
    StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
    Thread.sleep(300);
    caller.say(Speech.at16k(Speech.FIRST));
    Await.until("a second of the answer", () -> caller.audioMs(16_000) > 1000);
    Await.until("both pieces' speech asked for", () -> asked.containsAll(List.of(first, second)));
    caller.say(Speech.at16k(Speech.SECOND));
    Await.until("the cancel reaching the speech upstream", () -> tone.cancelled() >= 1);
    Await.until("the second answer spoken", () -> !caller.events("response.audio.done").isEmpty());
    List<JsonObject> speeches = speechBilledAsTheRouterBilledIt(node, hangUp(caller, node));
    assertTrue(speeches.stream().anyMatch(r -> "CANCELLED".equals(r.getString("error_code"))), "a speech stream cancelled: " + speeches);
  }

  @Test
  void speechTheRouterAnsweredFromItsCacheIsNotBilledToTheCall() throws Exception {
    String greeting = "Thanks for calling the booking line, how can I help?";
    PcmTone tone = new PcmTone(client, 20, -1);
    List<String> asked = new CopyOnWriteArrayList<>();
    FakeSpeechApi speech = FakeSpeechApi.start(client).reply(ctx -> {
      asked.add(ctx.body().asJsonObject().getString("input", ""));
      tone.accept(ctx);
    });
    JsonArray backends = new JsonArray().add(VoiceNode.whisper(10)).add(VoiceNode.cloudSpeech("cloud-speech", speech, 10)
        .put("prices", new JsonObject().put("tts-1", new JsonObject().put("per_1k_chars", 15.0))))
      .add(VoiceNode.chat("primary", chat, "cloud", 10));
    // The exact cache on, as a node's conf has it by default: the second call's greeting is then answered from it.
    VoiceNode node = VoiceNode.start(vertx, "all", VoiceNode.config(backends, new JsonObject().put("greeting", greeting), dir)
      .put("cache", new JsonObject()), VoiceNode.FAKE_ENV);
    for (int call = 1; call <= 2; call++) {
      StreamCaller caller = StreamCaller.connect(client, node.port, 16_000, new JsonObject()).await(10, TimeUnit.SECONDS);
      Await.until("the greeting's audio", () -> caller.audioMs(16_000) > 1000);

      caller.stop();
      caller.closed().await(10, TimeUnit.SECONDS);
      int calls = call;
      Await.until("the call's usage record", () -> node.callRecords().size() == calls);
    }
    assertEquals(1, asked.stream().filter(greeting::equals).count(), "the second greeting came from the cache: " + asked);
    List<JsonObject> speeches = speechBilledAsTheRouterBilledIt(node, node.callRecords().get(1));
    assertTrue(speeches.stream().anyMatch(r -> "hit".equals(r.getString("cache"))), "the greeting was a hit: " + speeches);
  }

  /**
   * Checks that {@code call}'s record counts the characters and cost the router billed for its speech requests (once
   * the router has recorded as many as the call's speech stage made), and returns those records.
   */
  private static List<JsonObject> speechBilledAsTheRouterBilledIt(VoiceNode node, JsonObject call) {
    JsonObject stage = call.getJsonObject("call").getJsonArray("stages").stream().map(JsonObject.class::cast)
      .filter(st -> "speech".equals(st.getString("stage"))).findFirst().orElseThrow();
    Supplier<List<JsonObject>> speechRecords = stageRecords(node, call, "speech");
    Await.until("the router's records of the call's speech requests", () -> speechRecords.get().size() == stage.getInteger("requests"));
    List<JsonObject> speeches = speechRecords.get();
    assertEquals(speeches.stream().filter(r -> r.getDouble("cost_usd") > 0).mapToLong(r -> r.getLong("characters")).sum(),
      call.getLong("characters"), "characters billed: " + speeches + " " + call.encode());
    assertEquals(speeches.stream().mapToDouble(r -> r.getDouble("cost_usd")).sum(), stage.getDouble("cost_usd"), 1e-9,
      speeches + " " + call.encode());
    return speeches;
  }

  /** Hangs up and waits for the call's usage record. */
  private static JsonObject hangUp(StreamCaller caller, VoiceNode node) throws Exception {
    caller.stop();
    caller.closed().await(10, TimeUnit.SECONDS);
    Await.until("the call's usage record", () -> !node.callRecords().isEmpty());
    return node.callRecords().get(0);
  }

  /** The router's records of the call's requests of {@code capability}, as they are when asked. */
  private static Supplier<List<JsonObject>> stageRecords(VoiceNode node, JsonObject call, String capability) {
    String callId = call.getString("request_id");
    return () -> node.usage.stream()
      .filter(r -> capability.equals(r.getString("capability")) && r.getString("request_id").startsWith(callId + "-")).toList();
  }
}
