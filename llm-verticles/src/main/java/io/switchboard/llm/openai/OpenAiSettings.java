package io.switchboard.llm.openai;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.Upstream;
import io.switchboard.core.http.UpstreamTimeouts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one OpenAI-compatible backend, read and checked once from its conf entry. Secrets come from
 * the environment the {@link BackendConfig} carries; a missing one makes the backend unavailable with a reason
 * that names the variable, never a value.
 *
 * @param apiKey         bearer token, or null when {@code api_key_optional} and none is set
 * @param ssl            true for an {@code https} base URL
 * @param pathPrefix     the base URL's path without a trailing slash, e.g. {@code /v1}
 * @param headers        static extra request headers (OpenRouter's {@code HTTP-Referer}, {@code X-Title})
 * @param streamUsage    ask for usage in streams ({@code stream_options.include_usage}) when the caller did not
 * @param maxReplyBytes  a non-streamed reply larger than this is refused
 * @param totalMs        {@code timeouts.total_ms} (none): the bound of a whole (non-streamed) answer, so that a body
 *                       that trickles or never ends fails in time for the router to try another backend; streams are
 *                       bounded by the idle limit and the request's deadline only
 */
public record OpenAiSettings(
  String id,
  BackendDescriptor descriptor,
  String baseUrl,
  boolean ssl,
  String host,
  int port,
  String pathPrefix,
  String apiKey,
  Map<String, String> headers,
  long connectMs,
  long firstByteMs,
  long idleMs,
  int poolSize,
  long healthIntervalMs,
  boolean streamUsage,
  int maxReplyBytes,
  long totalMs) {

  public static final String TYPE = "openai-compatible";

  public boolean serves(Capability capability) {
    return descriptor.serves(capability);
  }

  /** Who the backend talks to, for the upstream kit's error mapping. */
  public Upstream upstream() {
    return new Upstream(id, ErrorDialect.OPENAI, apiKey);
  }

  /** A stream's phase limits; the caller's deadline bounds the whole call. */
  public UpstreamTimeouts timeouts() {
    return new UpstreamTimeouts(connectMs, firstByteMs, idleMs, UpstreamTimeouts.NONE);
  }

  /** A whole answer's limits: the phase limits and {@code total_ms}. */
  public UpstreamTimeouts wholeTimeouts() {
    return timeouts().withTotalMs(totalMs);
  }

  /** Never print the key, not even in a debugger's view of the settings. */
  @Override
  public String toString() {
    return "OpenAiSettings[" + id + ", " + host + ":" + port + pathPrefix + "]";
  }

  /** Reads a conf entry; throws {@link BackendUnavailableException} naming what is missing or wrong. */
  public static OpenAiSettings from(BackendConfig conf) {
    JsonObject json = conf.json();
    String id = conf.id();
    String baseUrl = baseUrl(conf);
    URI uri = parseBaseUrl(id, baseUrl);
    boolean ssl = "https".equals(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String apiKey = json.getBoolean("api_key_optional", false)
      ? conf.envFromConf("api_key_env")
      : conf.requireEnvFromConf("api_key_env");
    JsonObject timeouts = json.getJsonObject("timeouts", new JsonObject());
    int poolSize = positive(id, "pool_size", json.getInteger("pool_size", 64));
    return new OpenAiSettings(
      id,
      conf.descriptor(TYPE, capabilities(id, json), Privacy.CLOUD, poolSize),
      baseUrl,
      ssl,
      uri.getHost(),
      port,
      path,
      apiKey,
      headers(json),
      positive(id, "timeouts.connect_ms", timeouts.getLong("connect_ms", 5_000L)),
      positive(id, "timeouts.first_byte_ms", timeouts.getLong("first_byte_ms", 60_000L)),
      positive(id, "timeouts.idle_ms", timeouts.getLong("idle_ms", 60_000L)),
      poolSize,
      Math.max(0, json.getLong("health_interval_ms", 0L)),
      json.getBoolean("stream_usage", true),
      positive(id, "max_reply_bytes", json.getInteger("max_reply_bytes", 64 * 1024 * 1024)),
      positive(id, "timeouts.total_ms", timeouts.getLong("total_ms", UpstreamTimeouts.NONE)));
  }

  /** {@code base_url_env} wins over {@code base_url}; with no {@code base_url} the variable is required. */
  private static String baseUrl(BackendConfig conf) {
    String fromEnv = conf.envFromConf("base_url_env");
    if (fromEnv != null) {
      return fromEnv.trim();
    }
    String fromConf = conf.json().getString("base_url");
    if (fromConf != null && !fromConf.isBlank()) {
      return fromConf.trim();
    }
    String envName = conf.json().getString("base_url_env");
    throw new BackendUnavailableException(envName != null ? envName + " not set" : "'base_url' missing in conf");
  }

  private static URI parseBaseUrl(String id, String baseUrl) {
    try {
      URI uri = new URI(baseUrl);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        throw new BackendUnavailableException(id + ": base URL must be http(s)://host[:port]/path, got '" + display(uri) + "'");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new BackendUnavailableException(id + ": base URL is not a valid URL");
    }
  }

  /** A URL without its query and user info, which may hold tokens. */
  private static String display(URI uri) {
    return (uri.getScheme() == null ? "" : uri.getScheme() + "://") + (uri.getHost() == null ? "" : uri.getHost())
      + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  private static Set<Capability> capabilities(String id, JsonObject json) {
    JsonArray list = json.getJsonArray("capabilities", new JsonArray().add("chat"));
    Set<Capability> out = EnumSet.noneOf(Capability.class);
    for (Object c : list) {
      Capability cap;
      try {
        cap = Capability.parse(String.valueOf(c));
      } catch (IllegalArgumentException e) {
        throw new BackendUnavailableException(id + ": " + e.getMessage());
      }
      if (cap != Capability.CHAT && cap != Capability.EMBED) {
        throw new BackendUnavailableException(id + ": type " + TYPE + " serves chat and embed, not " + cap.wireName());
      }
      out.add(cap);
    }
    if (out.isEmpty()) {
      throw new BackendUnavailableException(id + ": 'capabilities' is empty");
    }
    return out;
  }

  private static Map<String, String> headers(JsonObject json) {
    Map<String, String> out = new LinkedHashMap<>();
    json.getJsonObject("headers", new JsonObject()).forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return Map.copyOf(out);
  }

  private static <N extends Number> N positive(String id, String name, N value) {
    if (value.longValue() <= 0) {
      throw new BackendUnavailableException(id + ": '" + name + "' must be positive");
    }
    return value;
  }
}
