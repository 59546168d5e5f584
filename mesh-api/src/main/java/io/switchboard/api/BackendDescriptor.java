package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one backend instance announces on {@link Addresses#REGISTRY}: who it is, what it serves, where data goes,
 * what it costs, how much it takes at once, and its health. Every instance of a backend shares the id; each has
 * its own instance id.
 *
 * @param id          backend id, unique in the mesh; its bus address is {@code switchboard.backend.<id>}
 * @param instanceId  this instance (process + deployment)
 * @param type        adapter type, e.g. {@code openai-compatible}, {@code jlama}, {@code local-whisper}
 * @param capabilities what it serves
 * @param models      model names it serves, as the upstream knows them
 * @param aliases     alias (e.g. {@code heavy}) to one of its models
 * @param privacy     where the data goes when this backend serves
 * @param priority    lower is tried first under the fallback strategy
 * @param prices      list prices per model; key {@code *} applies to models without their own entry
 * @param concurrency requests one instance serves at once
 * @param health      the instance's own health
 * @param leaving     true on the last announcement of an instance that is stopping
 * @param languages   spoken languages it handles (ISO 639-1, e.g. {@code en}); empty means any (transcription, speech)
 * @param outputs     the audio formats and sample rates it produces (speech); {@link AudioOutputs#UNDECLARED}: no promise
 * @param listed      what a pass-through backend's upstream lists as its models, as last seen (for {@code GET /v1/models}
 *                    only: routing goes by {@code models}, and an empty {@code models} still serves any name)
 */
public record BackendDescriptor(
  String id,
  String instanceId,
  String type,
  Set<Capability> capabilities,
  List<String> models,
  Map<String, String> aliases,
  Privacy privacy,
  int priority,
  Map<String, Prices> prices,
  int concurrency,
  Health health,
  boolean leaving,
  List<String> languages,
  AudioOutputs outputs,
  List<String> listed) {

  /** A descriptor whose upstream lists no models of its own (any backend but a pass-through one). */
  public BackendDescriptor(String id, String instanceId, String type, Set<Capability> capabilities, List<String> models,
                           Map<String, String> aliases, Privacy privacy, int priority, Map<String, Prices> prices,
                           int concurrency, Health health, boolean leaving, List<String> languages, AudioOutputs outputs) {
    this(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, languages,
      outputs, List.of());
  }

  /** A descriptor that declares no audio outputs. */
  public BackendDescriptor(String id, String instanceId, String type, Set<Capability> capabilities, List<String> models,
                           Map<String, String> aliases, Privacy privacy, int priority, Map<String, Prices> prices,
                           int concurrency, Health health, boolean leaving, List<String> languages) {
    this(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, languages,
      AudioOutputs.UNDECLARED);
  }

  /** A descriptor with no language restriction. */
  public BackendDescriptor(String id, String instanceId, String type, Set<Capability> capabilities, List<String> models,
                           Map<String, String> aliases, Privacy privacy, int priority, Map<String, Prices> prices,
                           int concurrency, Health health, boolean leaving) {
    this(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, List.of());
  }

  public BackendDescriptor {
    languages = languages == null ? List.of() : List.copyOf(languages);
    outputs = outputs == null ? AudioOutputs.UNDECLARED : outputs;
    listed = listed == null ? List.of() : List.copyOf(listed);
    capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capabilities));
    models = List.copyOf(models);
    aliases = Map.copyOf(aliases);
    prices = Map.copyOf(prices);
  }

  /** List prices of {@code model} on this backend; free when none are configured. */
  public Prices pricesFor(String model) {
    Prices p = model == null ? null : prices.get(model);
    if (p == null) {
      p = prices.get("*");
    }
    return p == null ? Prices.FREE : p;
  }

  public boolean serves(Capability capability) {
    return capabilities.contains(capability);
  }

  /**
   * The model this backend would run for a requested model name or alias, or null when it serves neither.
   * A backend with no model list serves whatever model it is asked for (a pass-through server).
   */
  public String resolveModel(String requested) {
    if (requested == null) {
      return models.isEmpty() ? null : models.get(0);
    }
    String aliased = aliases.get(requested);
    if (aliased != null) {
      return aliased;
    }
    if (models.contains(requested) || models.isEmpty()) {
      return requested;
    }
    return null;
  }

  public BackendDescriptor withHealth(Health h) {
    return new BackendDescriptor(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, h, leaving, languages, outputs, listed);
  }

  public BackendDescriptor withPriority(int p) {
    return new BackendDescriptor(id, instanceId, type, capabilities, models, aliases, privacy, p, prices, concurrency, health, leaving, languages, outputs, listed);
  }

  public BackendDescriptor asLeaving() {
    return new BackendDescriptor(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, true, languages, outputs, listed);
  }

  /** The same descriptor for another instance. */
  public BackendDescriptor withInstanceId(String newInstanceId) {
    return new BackendDescriptor(id, newInstanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, languages, outputs, listed);
  }

  /** The same descriptor announcing {@code audio} as what it produces. */
  public BackendDescriptor withOutputs(AudioOutputs audio) {
    return new BackendDescriptor(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, languages, audio, listed);
  }

  /** The same descriptor with {@code names} as what its upstream lists (a pass-through backend's last probe). */
  public BackendDescriptor withListed(List<String> names) {
    return new BackendDescriptor(id, instanceId, type, capabilities, models, aliases, privacy, priority, prices, concurrency, health, leaving, languages, outputs, names);
  }

  /**
   * Whether it handles spoken {@code language} (ISO 639-1 code or English name, e.g. {@code fr} or {@code french});
   * true when the request names none or the backend declares no restriction.
   */
  public boolean handlesLanguage(String language) {
    if (language == null || languages.isEmpty()) {
      return true;
    }
    String l = language.trim().toLowerCase(java.util.Locale.ROOT);
    return languages.contains(l) || languages.contains(Languages.code(l));
  }

  public JsonObject toJson() {
    JsonArray caps = new JsonArray();
    capabilities.stream().sorted().forEach(c -> caps.add(c.wireName()));
    JsonObject json = new JsonObject()
      .put("id", id)
      .put("instance_id", instanceId)
      .put("type", type)
      .put("capabilities", caps)
      .put("models", new JsonArray(new ArrayList<>(models)))
      .put("aliases", new JsonObject(new LinkedHashMap<>(aliases)))
      .put("privacy", privacy.wireName())
      .put("priority", priority)
      .put("prices", pricesJson())
      .put("concurrency", concurrency)
      .put("health", health.toJson())
      .put("leaving", leaving)
      .put("languages", new JsonArray(new ArrayList<>(languages)))
      .put("outputs", outputs.toJson());
    if (!listed.isEmpty()) {
      json.put("listed", new JsonArray(new ArrayList<>(listed)));
    }
    return json;
  }

  private JsonObject pricesJson() {
    JsonObject json = new JsonObject();
    prices.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> json.put(e.getKey(), e.getValue().toJson()));
    return json;
  }

  /** The backend label of a request answered from the exact cache (metrics, console): no backend did the work. */
  public static final String CACHE_LABEL = "cache";
  /** The backend label of a request that reached no backend. */
  public static final String NO_BACKEND_LABEL = "none";
  /** Ids no backend may take, since they would merge its series with the labels above. */
  public static final Set<String> RESERVED_IDS = Set.of(CACHE_LABEL, NO_BACKEND_LABEL);

  /** Reads {@code prices}: an object of model to price table ({@code *} for the rest). */
  public static Map<String, Prices> pricesFromJson(JsonObject json) {
    Map<String, Prices> out = new LinkedHashMap<>();
    if (json != null) {
      json.forEach(e -> {
        if (e.getValue() instanceof JsonObject p) {
          out.put(e.getKey(), Prices.fromJson(p));
        }
      });
    }
    return out;
  }

  public static BackendDescriptor fromJson(JsonObject json) {
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    for (Object c : json.getJsonArray("capabilities", new JsonArray())) {
      caps.add(Capability.parse(String.valueOf(c)));
    }
    List<String> models = new ArrayList<>();
    for (Object m : json.getJsonArray("models", new JsonArray())) {
      models.add(String.valueOf(m));
    }
    Map<String, String> aliases = new LinkedHashMap<>();
    json.getJsonObject("aliases", new JsonObject()).forEach(e -> aliases.put(e.getKey(), String.valueOf(e.getValue())));
    return new BackendDescriptor(
      json.getString("id"),
      json.getString("instance_id", json.getString("id")),
      json.getString("type", "unknown"),
      caps,
      models,
      aliases,
      Privacy.parse(json.getString("privacy", "cloud")),
      json.getInteger("priority", 100),
      pricesFromJson(json.getJsonObject("prices")),
      json.getInteger("concurrency", 16),
      Health.fromJson(json.getJsonObject("health")),
      json.getBoolean("leaving", false),
      json.getJsonArray("languages", new JsonArray()).stream().map(String::valueOf).toList(),
      AudioOutputs.fromJson(json.getJsonObject("outputs")),
      json.getJsonArray("listed", new JsonArray()).stream().map(String::valueOf).toList());
  }
}
