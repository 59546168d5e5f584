package io.switchboard.app.chaos;

import io.switchboard.core.audio.WavWriter;
import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.switchboard.core.testkit.speech.AudioScript;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The cloud adapters the chaos suite puts behind the router, each the real one from its conf {@code type}: how a
 * backend entry of it reads (with the suite's short timeouts), which fake it talks to and under which path, how a
 * client asks it (whole or streamed) and what the complete answer is.
 */
enum Adapter {

  OPENAI_CHAT("openai-compatible", "/v1", Ask.CHAT, u -> u.openai.port(), () -> Buffer.buffer(Behaviour.DEFAULT_TEXT),
    models -> new JsonObject().put("models", new JsonArray(models)).put("api_key_env", "OPENAI_API_KEY")
      .put("capabilities", new JsonArray().add("chat"))),

  ANTHROPIC("anthropic", "", Ask.CHAT, u -> u.anthropic.port(), () -> Buffer.buffer("You said: " + Adapter.PROMPT),
    models -> aliased("claude-haiku-4-5", models)),

  RUNPOD("runpod-serverless", "/v2", Ask.CHAT, u -> u.runpod.port(), () -> Buffer.buffer("echo " + Adapter.PROMPT),
    models -> new JsonObject().put("models", new JsonArray(models)).put("endpoint_id", FakeRunPod.ENDPOINT)
      .put("prompt_format", "last_user").put("stream_poll_ms", 20).put("poll_initial_ms", 20).put("poll_max_ms", 100)
      .put("runsync_wait_ms", 1000)) {
    /** RunPod bounds each call whole by {@code request_ms} (a {@code /runsync} by that plus its wait). */
    @Override
    JsonObject timeouts(JsonObject t) {
      return new JsonObject().put("connect_ms", t.getLong("connect_ms")).put("request_ms", t.getLong("first_byte_ms"));
    }
  },

  /** WAV: ElevenLabs streams raw PCM and the adapter puts a streaming WAV header in front. */
  ELEVENLABS("elevenlabs", "", Ask.SPEECH_WAV, u -> u.speech.port(),
    () -> Buffer.buffer(WavWriter.pcm16Header(24_000, 1, -1)).appendBuffer(AudioScript.join(Upstreams.AUDIO)),
    models -> aliased("eleven_flash_v2_5", models)),

  /** The same speech fake as ElevenLabs, under OpenAI's path. */
  OPENAI_SPEECH("openai-speech", "/v1", Ask.SPEECH_MP3, u -> u.speech.port(), () -> AudioScript.join(Upstreams.AUDIO),
    models -> new JsonObject().put("models", new JsonArray(models))),

  OPENAI_TRANSCRIPTION("openai-transcription", "/v1", Ask.TRANSCRIPTION, u -> u.transcription.port(),
    () -> Buffer.buffer(Upstreams.TRANSCRIPT), models -> new JsonObject().put("models", new JsonArray(models))),

  /**
   * RunPod's faster-whisper worker on its own fake endpoint. Every faulty backend takes the asynchronous path
   * ({@code /run}, then {@code /status} polls) so that the polling rows have polls to fault; its URL comes from a
   * variable of its own ({@link #env}), as the type reads it.
   */
  RUNPOD_WHISPER("runpod-whisper", "", Ask.TRANSCRIPTION, u -> u.runpodWhisper.port(), () -> Buffer.buffer(Upstreams.TRANSCRIPT),
    models -> new JsonObject().put("models", new JsonArray(models)).put("async_above_seconds", 0)
      .put("poll", new JsonObject().put("initial_ms", 20).put("max_ms", 100))) {
    @Override
    JsonObject backend(String id, int priority, String baseUrl, List<String> models, JsonObject timeouts) {
      JsonObject entry = super.backend(id, priority, baseUrl, models, timeouts);
      entry.remove("base_url");
      return entry.put("url_env", urlEnv(id));
    }

    @Override
    Map<String, String> env(String id, String baseUrl) {
      return Map.of(urlEnv(id), baseUrl + "/v2/" + FakeRunPod.ENDPOINT);
    }

    private String urlEnv(String id) {
      return "CHAOS_RUNPOD_WHISPER_URL_" + id.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
  },

  /** An audio-capable chat model on OpenRouter: the OpenAI fake's chat completion is the transcript. */
  OPENROUTER_TRANSCRIPTION("openrouter-transcription", "/v1", Ask.TRANSCRIPTION, u -> u.openai.port(),
    () -> Buffer.buffer(Behaviour.DEFAULT_TEXT), models -> new JsonObject().put("models", new JsonArray(models)).put("api_key_env", "OPENAI_API_KEY"));

  static final String PROMPT = "chaos check one two three";
  static final Buffer TONE = TestAudio.wav(0.5, 16_000);

  final String type;
  /** The path the fake serves under: the adapter's base URL is the proxy's (or the fake's) address plus this. */
  final String basePath;
  private final Ask ask;
  private final ToIntFunction<Upstreams> port;
  private final Supplier<Buffer> answer;
  private final Function<List<String>, JsonObject> entry;

  /**
   * @param ask how a client asks it
   * @param port the port of the fake it talks to
   * @param answer the content of the complete answer
   * @param entry the entry's own keys for a backend serving the models; {@link #backend} adds id, type, URL and the
   *     common ones
   */
  Adapter(String type, String basePath, Ask ask, ToIntFunction<Upstreams> port, Supplier<Buffer> answer,
          Function<List<String>, JsonObject> entry) {
    this.type = type;
    this.basePath = basePath;
    this.ask = ask;
    this.port = port;
    this.answer = answer;
    this.entry = entry;
  }

  /** How a client asks an adapter: chat (whole or streamed), speech (always streamed) or transcription (never). */
  private enum Ask {
    CHAT, SPEECH_WAV, SPEECH_MP3, TRANSCRIPTION;

    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return switch (this) {
        case CHAT -> client.chat(model, stream, requestId);
        case SPEECH_WAV -> client.speech(model, "wav", requestId);
        case SPEECH_MP3 -> client.speech(model, "mp3", requestId);
        case TRANSCRIPTION -> client.transcribe(model, TONE, requestId);
      };
    }

    boolean streams(boolean asked) {
      return switch (this) {
        case CHAT -> asked;
        case SPEECH_WAV, SPEECH_MP3 -> true;
        case TRANSCRIPTION -> false;
      };
    }
  }

  /** The port of the fake this adapter talks to. */
  int port(Upstreams u) {
    return port.applyAsInt(u);
  }

  /**
   * One request for {@code model} through the mesh's HTTP API, its usage record under {@code requestId}; speech is
   * always streamed, transcription never.
   */
  Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
    return ask.call(client, model, stream, requestId);
  }

  /** The content of the complete answer. */
  Buffer answer() {
    return answer.get();
  }

  /** The adapter's {@code timeouts} entry for the suite's {@code {connect_ms, first_byte_ms, idle_ms, total_ms}}. */
  JsonObject timeouts(JsonObject t) {
    return t;
  }

  /** A backend entry: {@code id} at {@code priority}, serving {@code models} from {@code baseUrl}, bounded by {@code timeouts}. */
  JsonObject backend(String id, int priority, String baseUrl, List<String> models, JsonObject timeouts) {
    return new JsonObject().put("id", id).put("type", type).put("priority", priority).put("base_url", baseUrl + basePath)
      .put("concurrency", 32).put("timeouts", timeouts(timeouts)).mergeIn(entry.apply(models));
  }

  /** The variables a backend entry of this adapter reads besides the common keys (none but for RunPod Whisper's URL). */
  Map<String, String> env(String id, String baseUrl) {
    return Map.of();
  }

  /** The one model the fake knows, with each of {@code models} as an alias of it. */
  private static JsonObject aliased(String upstreamModel, List<String> models) {
    JsonObject aliases = new JsonObject();
    models.forEach(m -> aliases.put(m, upstreamModel));
    return new JsonObject().put("models", new JsonArray().add(upstreamModel)).put("aliases", aliases);
  }

  /** Whether a client asks this adapter for a stream ({@code true}) or a whole answer. */
  boolean streams(boolean asked) {
    return ask.streams(asked);
  }

  /** The lower-case name used in backend ids and models. */
  String slug() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
