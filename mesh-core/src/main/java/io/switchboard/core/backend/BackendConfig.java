package io.switchboard.core.backend;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.Health;
import io.switchboard.api.Privacy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One backend's slice of the configuration, plus the process environment it may read secrets from. Secrets
 * are only ever named in conf ({@code api_key_env: OPENAI_API_KEY}); their values come from the environment.
 */
public final class BackendConfig {

  private final JsonObject json;
  private final Map<String, String> env;

  public BackendConfig(JsonObject json, Map<String, String> env) {
    this.json = json;
    this.env = env;
  }

  public JsonObject json() {
    return json;
  }

  /** The environment this backend reads its secrets from. */
  Map<String, String> envMap() {
    return env;
  }

  public String id() {
    return json.getString("id");
  }

  public String type() {
    return json.getString("type");
  }

  public boolean enabled() {
    return json.getBoolean("enabled", true);
  }

  public Privacy privacy(Privacy fallback) {
    String p = json.getString("privacy");
    return p == null ? fallback : Privacy.parse(p);
  }

  public int priority() {
    return json.getInteger("priority", 100);
  }

  public int concurrency(int fallback) {
    return json.getInteger("concurrency", fallback);
  }

  public List<String> models() {
    List<String> out = new ArrayList<>();
    json.getJsonArray("models", new JsonArray()).forEach(m -> out.add(String.valueOf(m)));
    return out;
  }

  public Map<String, String> aliases() {
    Map<String, String> out = new LinkedHashMap<>();
    json.getJsonObject("aliases", new JsonObject()).forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }

  /** An environment variable, or null when unset or blank. */
  public String env(String name) {
    String v = name == null ? null : env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  /** The value of the env var named by conf key {@code confKey}, or null when the key or the variable is absent. */
  public String envFromConf(String confKey) {
    return env(json.getString(confKey));
  }

  /** Like {@link #envFromConf} but a missing value makes the backend unavailable: {@code "OPENAI_API_KEY not set"}. */
  public String requireEnvFromConf(String confKey) {
    String name = json.getString(confKey);
    if (name == null) {
      throw new BackendUnavailableException("'" + confKey + "' missing in conf");
    }
    String v = env(name);
    if (v == null) {
      throw new BackendUnavailableException(name + " not set");
    }
    return v;
  }

  /** The descriptor for this backend from conf: id, models, aliases, privacy, priority, prices, concurrency. */
  public BackendDescriptor descriptor(String type, Set<Capability> capabilities, Privacy defaultPrivacy, int defaultConcurrency) {
    List<String> languages = new ArrayList<>();
    json.getJsonArray("languages", new JsonArray()).forEach(l -> languages.add(String.valueOf(l)));
    return new BackendDescriptor(id(), id(), type, capabilities, models(), aliases(), privacy(defaultPrivacy), priority(),
      BackendDescriptor.pricesFromJson(json.getJsonObject("prices")), concurrency(defaultConcurrency), Health.UP, false, languages);
  }
}
