package io.switchboard.realtime.openai;

import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.TypedProvider;
import io.switchboard.core.http.CloudConf;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;

/**
 * Builds {@code openai-realtime} backends: OpenAI's Realtime API (GA), or any server speaking it (a realtime server on
 * a workstation is this type with another {@code base_url} and privacy). Conf: {@code base_url} (default
 * {@code https://api.openai.com/v1}, or the variable named by {@code base_url_env}, default {@code OPENAI_BASE_URL};
 * http(s) becomes ws(s)), {@code api_key_env} (default {@code OPENAI_API_KEY}), {@code models} ({@code gpt-realtime}),
 * {@code aliases}, {@code connect_timeout_ms} (5000: the socket open and {@code session.created}; also the health
 * probe's bound), {@code health_interval_ms} (60000; 0 turns the probe off: {@link RealtimeHealth}), privacy (default
 * cloud), concurrency (open sessions, default 100), and per model {@code prices}: {@code audio_in_per_minute},
 * {@code audio_out_per_minute}, {@code input_per_mtok}, {@code output_per_mtok}. The router's estimate for a session is
 * one minute of audio at both audio prices.
 */
public final class OpenAiRealtimeProvider extends TypedProvider {

  public OpenAiRealtimeProvider() {
    super(OpenAiRealtimeBackend.TYPE);
  }

  @Override
  public Backend create(Vertx vertx, BackendConfig conf) {
    CloudConf.Endpoint openAi = CloudConf.openAi(conf);
    JsonObject prices = conf.json().getJsonObject("prices", new JsonObject());
    JsonObject announced = new JsonObject();
    prices.forEach(e -> {
      if (e.getValue() instanceof JsonObject p) {
        announced.put(e.getKey(), p.copy().put("per_audio_minute",
          p.getDouble("audio_in_per_minute", 0d) + p.getDouble("audio_out_per_minute", 0d)));
      }
    });
    BackendConfig forDescriptor = new BackendConfig(conf.json().copy().put("prices", announced), Map.of());
    return new OpenAiRealtimeBackend(vertx, forDescriptor.descriptor(type(), Set.of(Capability.REALTIME), Privacy.CLOUD, 100),
      new OpenAiRealtimeBackend.Settings(openAi.baseUrl(), openAi.apiKey(), conf.json().getLong("connect_timeout_ms", 5000L),
        Math.max(0, conf.json().getLong("health_interval_ms", 60_000L)), RealtimePrices.fromJson(prices)));
  }
}
