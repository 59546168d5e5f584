package io.switchboard.tts.elevenlabs;

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
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds {@code elevenlabs} backends. Conf: {@code base_url} (default {@code https://api.elevenlabs.io}, or the
 * variable named by {@code base_url_env}, default {@code ELEVENLABS_BASE_URL}), {@code api_key_env} (default
 * {@code ELEVENLABS_API_KEY}), {@code voice_id_env} (default {@code ELEVENLABS_VOICE_ID}: the default voice; optional
 * when every request names a voice id), {@code voices} (name to voice id), {@code voice_settings} (stability,
 * similarity_boost, style, use_speaker_boost, speed), {@code enable_logging} (true; false asks ElevenLabs for zero
 * retention, an enterprise feature), {@code models} (eleven_flash_v2_5, ...), {@code aliases}, {@code timeouts},
 * {@code stream_high_water}, privacy (default cloud), prices, concurrency (mind the plan's concurrent-request limit).
 */
public final class ElevenLabsProvider extends TypedProvider {

  public ElevenLabsProvider() {
    super(ElevenLabsBackend.TYPE, Capability.SPEECH, Privacy.CLOUD, 4, ElevenLabsProvider::build);
  }

  private static Backend build(Vertx vertx, BackendConfig conf, BackendDescriptor descriptor) {
    JsonObject json = conf.json();
    String key = CloudConf.apiKey(conf, "ELEVENLABS_API_KEY");
    Map<String, String> voices = new LinkedHashMap<>();
    json.getJsonObject("voices", new JsonObject()).forEach(e -> voices.put(e.getKey(), String.valueOf(e.getValue())));
    var settings = new ElevenLabsBackend.Settings(
      CloudConf.baseUrl(conf, "ELEVENLABS_BASE_URL", "https://api.elevenlabs.io"),
      key,
      conf.env(json.getString("voice_id_env", "ELEVENLABS_VOICE_ID")),
      voices,
      json.getJsonObject("voice_settings", new JsonObject()),
      json.getBoolean("enable_logging", true));
    UpstreamClient http = CloudConf.client(vertx, conf, ErrorDialect.ELEVENLABS, key, UpstreamTimeouts.SPEECH, 1 << 20);
    SpeechStream stream = new SpeechStream(http, json.getInteger("stream_high_water", 16));
    return new ElevenLabsBackend(descriptor, stream, settings);
  }
}
