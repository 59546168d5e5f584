package io.switchboard.app.chaos;

import io.switchboard.core.testkit.anthropic.FakeAnthropic;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.switchboard.core.testkit.speech.AudioScript;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;

/**
 * The wire-exact fakes the chaos suite's adapters talk to, one of each, healthy and scripted to answer at once: the
 * OpenAI API (chat, and OpenRouter's transcription by chat), Anthropic, two RunPod endpoints (an echoing chat worker, the
 * faster-whisper worker), the speech APIs (OpenAI and ElevenLabs: a short audio answer) and
 * OpenAI transcription (a fixed transcript). Every faulty backend reaches its fake through its own chaos proxy; the
 * healthy ones reach it directly.
 */
final class Upstreams implements AutoCloseable {

  static final String OPENAI_KEY = "sk-chaos-0123456789abcdefSECRET";
  static final String ELEVEN_KEY = "xi-chaos-0123456789abcdefSECRET";
  static final String VOICE_ID = "JBFqnCBsd6RMkjVDRZzb";
  /** What the fake speech APIs answer: four reads of 256 bytes. */
  static final List<Buffer> AUDIO = AudioScript.chunks(4, 256);
  static final String TRANSCRIPT = "the chaos suite listened to a tone";

  final FakeOpenAiServer openai;
  final FakeAnthropic anthropic;
  final FakeRunPod runpod;
  /** A second RunPod endpoint, running the faster-whisper worker (the first echoes chat prompts). */
  final FakeRunPod runpodWhisper;
  final FakeSpeechApi speech;
  final FakeTranscriptionApi transcription;

  Upstreams(Vertx vertx) {
    openai = await(FakeOpenAiServer.start(vertx));
    anthropic = await(new FakeAnthropic(vertx).start());
    runpod = await(new FakeRunPod(vertx).start());
    runpodWhisper = await(new FakeRunPod(vertx).start());
    runpodWhisper.worker = input -> new JsonObject().put("transcription", TRANSCRIPT).put("detected_language", "en")
      .put("segments", new JsonArray().add(new JsonObject().put("id", 1).put("seek", 0).put("start", 0.0).put("end", 0.5)
        .put("text", " " + TRANSCRIPT))).put("device", "cuda").put("model", "turbo");
    speech = FakeSpeechApi.start(vertx).reply(AudioScript.steady("audio/mpeg", AUDIO));
    transcription = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.response().putHeader("content-type", "application/json")
      .end(new JsonObject().put("task", "transcribe").put("language", "english").put("duration", 1.0).put("text", TRANSCRIPT)
        .put("segments", new JsonArray().add(new JsonObject().put("id", 0).put("start", 0.0).put("end", 1.0).put("text", TRANSCRIPT)))
        .encode()));
  }

  /** The environment the node reads the keys from. */
  static Map<String, String> env() {
    return Map.of("OPENAI_API_KEY", OPENAI_KEY, "ANTHROPIC_API_KEY", FakeAnthropic.KEY, "RUNPOD_API_KEY", FakeRunPod.KEY,
      "ELEVENLABS_API_KEY", ELEVEN_KEY, "ELEVENLABS_VOICE_ID", VOICE_ID);
  }

  @Override
  public void close() {
    await(openai.close());
    await(anthropic.stop());
    runpod.close();
    runpodWhisper.close();
    speech.close();
    transcription.close();
  }
}
