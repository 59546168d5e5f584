package io.switchboard.asr.runpod;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.switchboard.core.http.CloudConf;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.http.UpstreamTimeouts;
import io.switchboard.core.runpod.RunPodClient;
import io.switchboard.core.runpod.RunPodJob;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Builds {@code runpod-whisper} backends. The endpoint URL ({@code https://api.runpod.ai/v2/<endpoint_id>}) comes from
 * the variable named by {@code url_env} (default {@code RUNPOD_WHISPER_URL}), the key from {@code api_key_env}
 * (default {@code RUNPOD_API_KEY}); either missing makes the backend unavailable, naming the variable. Conf:
 * {@code models} (worker model names: tiny ... large-v3, turbo), {@code aliases}, {@code async_above_seconds} (120),
 * {@code async_above_bytes} (4 MB), {@code enable_vad} (false), {@code poll: {initial_ms: 500, max_ms: 5000}},
 * {@code timeouts}, privacy (default private: the operator's own endpoint), prices, concurrency.
 */
public final class RunPodWhisperProvider extends TypedProvider {

  public RunPodWhisperProvider() {
    super(RunPodWhisperBackend.TYPE, Capability.TRANSCRIBE, Privacy.PRIVATE, 8, RunPodWhisperProvider::build);
  }

  private static Backend build(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor) {
    JsonObject json = conf.json();
    String key = CloudConf.apiKey(conf, "RUNPOD_API_KEY");
    String url = CloudConf.stripSlash(CloudConf.required(conf, "url_env", "RUNPOD_WHISPER_URL"));
    JsonObject poll = json.getJsonObject("poll", new JsonObject());
    long initial = poll.getLong("initial_ms", 500L);
    long max = poll.getLong("max_ms", 5_000L);
    if (initial <= 0 || max < initial) {
      throw new IllegalArgumentException("poll.initial_ms must be > 0 and poll.max_ms >= poll.initial_ms");
    }
    var settings = new RunPodWhisperBackend.Settings(
      json.getDouble("async_above_seconds", 120d),
      json.getLong("async_above_bytes", 4L * 1024 * 1024),
      json.getBoolean("enable_vad", false),
      new RunPodJob.Polling(initial, max));
    UpstreamClient http = CloudConf.client(vertx, conf, ErrorDialect.RUNPOD, key, UpstreamTimeouts.TRANSCRIPTION,
      json.getLong("max_response_bytes", 8L << 20));
    return new RunPodWhisperBackend(vertx, descriptor, new RunPodClient(http, url), settings);
  }
}
