package io.switchboard.asr.openrouter;

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
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Builds {@code openrouter-transcription} backends. Conf: {@code base_url} (default
 * {@code https://openrouter.ai/api/v1}, or the variable named by {@code base_url_env}, default
 * {@code OPENROUTER_BASE_URL}), {@code api_key_env} (default {@code OPENROUTER_API_KEY}), {@code models} (audio-capable
 * chat models, e.g. {@code google/gemini-2.5-flash}), {@code aliases}, {@code http_referer} and {@code x_title}
 * (OpenRouter's app attribution headers), {@code instruction}, {@code audio_formats} (default wav, mp3: what the
 * OpenAI-shaped {@code input_audio} accepts everywhere), {@code max_upload_bytes}, {@code timeouts}, privacy, prices.
 */
public final class OpenRouterTranscriptionProvider extends TypedProvider {

  static final String DEFAULT_INSTRUCTION =
    "Transcribe this audio verbatim. Answer with the transcript only: no commentary, no quotes, no timestamps.";

  public OpenRouterTranscriptionProvider() {
    super(OpenRouterTranscriptionBackend.TYPE, Capability.TRANSCRIBE, Privacy.CLOUD, 16, OpenRouterTranscriptionProvider::build);
  }

  private static Backend build(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor) {
    JsonObject json = conf.json();
    var settings = new OpenRouterTranscriptionBackend.Settings(
      CloudConf.baseUrl(conf, "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1"),
      CloudConf.apiKey(conf, "OPENROUTER_API_KEY"),
      json.getString("http_referer"),
      json.getString("x_title"),
      json.getString("instruction", DEFAULT_INSTRUCTION),
      OpenRouterTranscriptionBackend.formats(json.getJsonArray("audio_formats")),
      json.getLong("max_upload_bytes", 20L * 1024 * 1024));
    UpstreamClient http = CloudConf.client(vertx, conf, ErrorDialect.OPENAI, settings.apiKey(), UpstreamTimeouts.TRANSCRIPTION,
      json.getLong("max_response_bytes", 8L << 20));
    return new OpenRouterTranscriptionBackend(descriptor, http, settings);
  }
}
