package io.switchboard.asr.openai;

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
import io.vertx.core.json.JsonArray;

import java.util.HashSet;
import java.util.Set;

/**
 * Builds {@code openai-transcription} backends. Conf: {@code base_url} (default {@code https://api.openai.com/v1},
 * overridden by the variable named in {@code base_url_env}, default {@code OPENAI_BASE_URL}), {@code api_key_env}
 * (default {@code OPENAI_API_KEY}), {@code models}, {@code aliases}, {@code json_only_models} (models asked for
 * {@code json} rather than {@code verbose_json}; every {@code gpt-4o*} model is), {@code max_upload_bytes}
 * (OpenAI's 25 MB), {@code max_response_bytes}, {@code timeouts}, privacy (default cloud), prices, concurrency.
 */
public final class OpenAiTranscriptionProvider extends TypedProvider {

  public OpenAiTranscriptionProvider() {
    super(OpenAiTranscriptionBackend.TYPE, Capability.TRANSCRIBE, Privacy.CLOUD, 16, OpenAiTranscriptionProvider::build);
  }

  private static Backend build(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor) {
    CloudConf.Endpoint openAi = CloudConf.openAi(conf);
    Set<String> jsonOnly = new HashSet<>();
    conf.json().getJsonArray("json_only_models", new JsonArray()).forEach(m -> jsonOnly.add(String.valueOf(m)));
    UpstreamClient http = CloudConf.client(vertx, conf, ErrorDialect.OPENAI, openAi.apiKey(), UpstreamTimeouts.TRANSCRIPTION,
      conf.json().getLong("max_response_bytes", 8L << 20));
    return new OpenAiTranscriptionBackend(descriptor, http, openAi.baseUrl(), openAi.apiKey(), jsonOnly, conf.json().getLong("max_upload_bytes", 25L * 1024 * 1024));
  }
}
