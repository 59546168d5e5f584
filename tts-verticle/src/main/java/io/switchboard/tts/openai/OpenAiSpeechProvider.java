package io.switchboard.tts.openai;

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
import io.switchboard.tts.SpeechStream;
import io.vertx.core.Vertx;

/**
 * Builds {@code openai-speech} backends. Conf: {@code base_url} (default {@code https://api.openai.com/v1}, or the
 * variable named by {@code base_url_env}, default {@code OPENAI_BASE_URL}), {@code api_key_env} (default
 * {@code OPENAI_API_KEY}), {@code models} (tts-1, tts-1-hd, gpt-4o-mini-tts), {@code aliases}, {@code default_voice}
 * (alloy), {@code stream_high_water} (audio reads buffered before the upstream is paused, 16), {@code timeouts},
 * privacy (default cloud), prices, concurrency.
 */
public final class OpenAiSpeechProvider extends TypedProvider {

  public OpenAiSpeechProvider() {
    super(OpenAiSpeechBackend.TYPE, Capability.SPEECH, Privacy.CLOUD, 16, OpenAiSpeechProvider::build);
  }

  private static Backend build(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor) {
    CloudConf.Endpoint openAi = CloudConf.openAi(conf);
    UpstreamClient http = CloudConf.client(vertx, conf, ErrorDialect.OPENAI, openAi.apiKey(), UpstreamTimeouts.SPEECH, 1 << 20);
    SpeechStream stream = new SpeechStream(http, conf.json().getInteger("stream_high_water", 16));
    return new OpenAiSpeechBackend(descriptor, stream,
      new OpenAiSpeechBackend.Settings(openAi.baseUrl(), openAi.apiKey(), conf.json().getString("default_voice", "alloy")));
  }
}
