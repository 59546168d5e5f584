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

/**
 * The cloud adapters the chaos suite puts behind the router, each the real one from its conf {@code type}: how a
 * backend entry of it reads (with the suite's short timeouts), which fake it talks to and under which path, how a
 * client asks it (whole or streamed) and what the complete answer is.
 */
enum Adapter {

  OPENAI_CHAT("openai-compatible", "/v1") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models)).put("api_key_env", "OPENAI_API_KEY")
        .put("capabilities", new JsonArray().add("chat"));
    }

    @Override
    int port(Upstreams u) {
      return u.openai.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.chat(model, stream, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer(Behaviour.DEFAULT_TEXT);
    }
  },

  ANTHROPIC("anthropic", "") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray().add("claude-haiku-4-5"))
        .put("aliases", aliases(models, "claude-haiku-4-5"));
    }

    @Override
    int port(Upstreams u) {
      return u.anthropic.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.chat(model, stream, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer("You said: " + PROMPT);
    }
  },

  RUNPOD("runpod-serverless", "/v2") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models)).put("endpoint_id", FakeRunPod.ENDPOINT)
        .put("prompt_format", "last_user").put("stream_poll_ms", 20).put("poll_initial_ms", 20).put("poll_max_ms", 100)
        .put("runsync_wait_ms", 1000);
    }

    /** RunPod bounds each call whole by {@code request_ms} (a {@code /runsync} by that plus its wait). */
    @Override
    JsonObject timeouts(JsonObject t) {
      return new JsonObject().put("connect_ms", t.getLong("connect_ms")).put("request_ms", t.getLong("first_byte_ms"));
    }

    @Override
    int port(Upstreams u) {
      return u.runpod.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.chat(model, stream, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer("echo " + PROMPT);
    }
  },

  ELEVENLABS("elevenlabs", "") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray().add("eleven_flash_v2_5"))
        .put("aliases", aliases(models, "eleven_flash_v2_5"));
    }

    @Override
    int port(Upstreams u) {
      return u.speech.port();
    }

    /** WAV: ElevenLabs streams raw PCM and the adapter puts a streaming WAV header in front. */
    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.speech(model, "wav", requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer(WavWriter.pcm16Header(24_000, 1, -1)).appendBuffer(AudioScript.join(Upstreams.AUDIO));
    }
  },

  OPENAI_SPEECH("openai-speech", "/v1") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models));
    }

    @Override
    int port(Upstreams u) {
      return ELEVENLABS.port(u);
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.speech(model, "mp3", requestId);
    }

    @Override
    Buffer answer() {
      return AudioScript.join(Upstreams.AUDIO);
    }
  },

  OPENAI_TRANSCRIPTION("openai-transcription", "/v1") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models));
    }

    @Override
    int port(Upstreams u) {
      return u.transcription.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.transcribe(model, TONE, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer(Upstreams.TRANSCRIPT);
    }
  },

  /**
   * RunPod's faster-whisper worker on its own fake endpoint. Every faulty backend takes the asynchronous path
   * ({@code /run}, then {@code /status} polls) so that the polling rows have polls to fault; its URL comes from a
   * variable of its own ({@link #env}), as the type reads it.
   */
  RUNPOD_WHISPER("runpod-whisper", "") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models)).put("async_above_seconds", 0)
        .put("poll", new JsonObject().put("initial_ms", 20).put("max_ms", 100));
    }

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

    @Override
    int port(Upstreams u) {
      return u.runpodWhisper.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.transcribe(model, TONE, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer(Upstreams.TRANSCRIPT);
    }
  },

  /** An audio-capable chat model on OpenRouter: the OpenAI fake's chat completion is the transcript. */
  OPENROUTER_TRANSCRIPTION("openrouter-transcription", "/v1") {
    @Override
    JsonObject entry(List<String> models) {
      return new JsonObject().put("models", new JsonArray(models)).put("api_key_env", "OPENAI_API_KEY");
    }

    @Override
    int port(Upstreams u) {
      return u.openai.port();
    }

    @Override
    Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId) {
      return client.transcribe(model, TONE, requestId);
    }

    @Override
    Buffer answer() {
      return Buffer.buffer(Behaviour.DEFAULT_TEXT);
    }
  };

  static final String PROMPT = "chaos check one two three";
  static final Buffer TONE = TestAudio.wav(0.5, 16_000);

  final String type;
  /** The path the fake serves under: the adapter's base URL is the proxy's (or the fake's) address plus this. */
  final String basePath;

  Adapter(String type, String basePath) {
    this.type = type;
    this.basePath = basePath;
  }

  /** The entry's own keys for a backend serving {@code models}; {@link #backend} adds id, type, URL and the common ones. */
  abstract JsonObject entry(List<String> models);

  /** The port of the fake this adapter talks to. */
  abstract int port(Upstreams u);

  /**
   * One request for {@code model} through the mesh's HTTP API, its usage record under {@code requestId}; speech is
   * always streamed, transcription never.
   */
  abstract Future<ChaosClient.Outcome> call(ChaosClient client, String model, boolean stream, String requestId);

  /** The content of the complete answer. */
  abstract Buffer answer();

  /** The adapter's {@code timeouts} entry for the suite's {@code {connect_ms, first_byte_ms, idle_ms, total_ms}}. */
  JsonObject timeouts(JsonObject t) {
    return t;
  }

  /** A backend entry: {@code id} at {@code priority}, serving {@code models} from {@code baseUrl}, bounded by {@code timeouts}. */
  JsonObject backend(String id, int priority, String baseUrl, List<String> models, JsonObject timeouts) {
    return new JsonObject().put("id", id).put("type", type).put("priority", priority).put("base_url", baseUrl + basePath)
      .put("concurrency", 32).put("timeouts", timeouts(timeouts)).mergeIn(entry(models));
  }

  /** The variables a backend entry of this adapter reads besides the common keys (none but for RunPod Whisper's URL). */
  Map<String, String> env(String id, String baseUrl) {
    return Map.of();
  }

  /** Each of {@code models} as an alias of the one model the fake knows. */
  private static JsonObject aliases(List<String> models, String upstreamModel) {
    JsonObject aliases = new JsonObject();
    models.forEach(m -> aliases.put(m, upstreamModel));
    return aliases;
  }

  /** Whether a client asks this adapter for a stream ({@code true}) or a whole answer. */
  boolean streams(boolean asked) {
    return switch (this) {
      case ELEVENLABS, OPENAI_SPEECH -> true;
      case OPENAI_TRANSCRIPTION, RUNPOD_WHISPER, OPENROUTER_TRANSCRIPTION -> false;
      default -> asked;
    };
  }

  /** The lower-case name used in backend ids and models. */
  String slug() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
