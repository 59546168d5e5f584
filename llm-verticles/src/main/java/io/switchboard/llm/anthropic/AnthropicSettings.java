package io.switchboard.llm.anthropic;

import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.http.CloudConf;
import io.switchboard.core.http.UpstreamTimeouts;
import io.vertx.core.json.JsonObject;

/**
 * The Anthropic adapter's conf, read once where the backend is built. The key comes from the environment only
 * (the variable named by {@code api_key_env}); a base URL in the variable named by {@code base_url_env} wins over
 * {@code base_url} so an operator can point every deployment at a proxy without editing conf.
 *
 * @param timeouts {@code timeouts: {connect_ms, first_byte_ms, idle_ms, total_ms}}. Streams: {@code first_byte_ms} bounds
 *                 the wait for the response headers (Anthropic sends them with {@code message_start}), {@code idle_ms} the
 *                 silence between two reads (Anthropic pings long generations, so silence means trouble). Whole answers:
 *                 {@code total_ms} bounds the wait for the complete body. The request deadline may cut either shorter.
 */
record AnthropicSettings(
  String baseUrl,
  String apiKey,
  String version,
  int defaultMaxTokens,
  UpstreamTimeouts timeouts) {

  /** Connect 5 s, first byte 30 s, idle 30 s, a whole answer 10 min. */
  static final UpstreamTimeouts DEFAULT_TIMEOUTS = new UpstreamTimeouts(5_000, 30_000, 30_000, 600_000);

  static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
  static final String API_VERSION = "2023-06-01";

  static AnthropicSettings from(BackendConfig conf) {
    JsonObject json = conf.json();
    String key = CloudConf.apiKey(conf, "ANTHROPIC_API_KEY");
    String base = CloudConf.baseUrl(conf, "ANTHROPIC_BASE_URL", DEFAULT_BASE_URL);
    int maxTokens = json.getInteger("default_max_tokens", 1024);
    if (maxTokens < 1) {
      throw new IllegalArgumentException("default_max_tokens must be positive");
    }
    return new AnthropicSettings(base, key, json.getString("anthropic_version", API_VERSION), maxTokens,
      UpstreamTimeouts.fromConf(json, DEFAULT_TIMEOUTS));
  }

  /** A stream: headers within first_byte_ms, reads within idle_ms, no bound on the whole but the deadline. */
  UpstreamTimeouts streamTimeouts() {
    return timeouts.withTotalMs(UpstreamTimeouts.NONE);
  }

  /** A whole answer: Anthropic sends the headers with the finished message, so the first byte may take all of total_ms. */
  UpstreamTimeouts wholeTimeouts() {
    return timeouts.withFirstByteMs(timeouts.totalMs());
  }

  /** Never print the key, not even in a debugger's view of the settings. */
  @Override
  public String toString() {
    return "AnthropicSettings[" + baseUrl + ", version " + version + ", max_tokens " + defaultMaxTokens + "]";
  }
}
