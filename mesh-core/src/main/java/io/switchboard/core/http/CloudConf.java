package io.switchboard.core.http;

import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.vertx.core.Vertx;

/**
 * Conf readings every cloud speech adapter shares: the key and the base URL, each named by an environment
 * variable whose name conf may change ({@code api_key_env}, {@code base_url_env}) with the provider's usual name
 * as default. A missing key makes the backend unavailable with the variable's name as the reason, never a value;
 * and the backend's {@link UpstreamClient} with its pool size and timeouts as conf sets them.
 */
public final class CloudConf {

  private CloudConf() {
  }

  /**
   * The backend's upstream client: conf {@code max_connections} (default 32) connections, conf timeouts over
   * {@code defaults}, answers up to {@code maxAnswerBytes}; errors read in {@code dialect}, {@code key} redacted.
   */
  public static UpstreamClient client(Vertx vertx, BackendConfig conf, ErrorDialect dialect, String key,
                                      UpstreamTimeouts defaults, long maxAnswerBytes) {
    return new UpstreamClient(vertx, new Upstream(conf.id(), dialect, key), UpstreamTimeouts.fromConf(conf.json(), defaults),
      conf.json().getInteger("max_connections", 32), maxAnswerBytes);
  }

  /** Where a cloud adapter calls, and with which key; never prints the key. */
  public record Endpoint(String baseUrl, String apiKey) {
    @Override
    public String toString() {
      return "Endpoint[" + baseUrl + "]";
    }
  }

  /**
   * OpenAI's API as every OpenAI adapter (transcription, speech, realtime) reads it: the key from {@code OPENAI_API_KEY},
   * the base from {@code OPENAI_BASE_URL}, else conf {@code base_url}, else {@code https://api.openai.com/v1}.
   */
  public static Endpoint openAi(BackendConfig conf) {
    String key = apiKey(conf, "OPENAI_API_KEY");
    return new Endpoint(baseUrl(conf, "OPENAI_BASE_URL", "https://api.openai.com/v1"), key);
  }

  /** The secret from the variable named by {@code api_key_env} (default {@code defaultEnv}). */
  public static String apiKey(BackendConfig conf, String defaultEnv) {
    return required(conf, "api_key_env", defaultEnv);
  }

  /** The value of the variable named by conf key {@code confKey} (default {@code defaultEnv}); unavailable when unset. */
  public static String required(BackendConfig conf, String confKey, String defaultEnv) {
    String name = conf.json().getString(confKey, defaultEnv);
    String value = conf.env(name);
    if (value == null) {
      throw new BackendUnavailableException(name + " not set");
    }
    return value;
  }

  /**
   * The API base without a trailing slash: the variable named by {@code base_url_env} (default {@code defaultEnv})
   * when set, else conf {@code base_url}, else {@code fallback}.
   */
  public static String baseUrl(BackendConfig conf, String defaultEnv, String fallback) {
    String fromEnv = conf.env(conf.json().getString("base_url_env", defaultEnv));
    String url = fromEnv != null ? fromEnv : conf.json().getString("base_url", fallback);
    return stripSlash(url);
  }

  public static String stripSlash(String url) {
    String u = url.trim();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (!u.startsWith("http://") && !u.startsWith("https://")) {
      throw new IllegalArgumentException("base URL must start with http:// or https://, got '" + u + "'");
    }
    return u;
  }
}
