package io.switchboard.router.registry;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the router knows of backends that are not live, so that a model no live backend serves is told apart from a
 * model nobody serves: a backend announced once (its node killed, its instance drained), or named in the conf (disabled
 * there, or not started on any node: no key, no model). A model one of them serves is a 503 with Retry-After, "try
 * again", not a 404 an SDK takes as final. A conf entry that lists no {@code capabilities} serves its type's default
 * (every capability for a type the router does not know); pass-through backends (no model list) know no model by name.
 * Owned by the router's event loop, except {@link #conf}, which a reload may set from another.
 */
public final class KnownBackends {

  private final BackendRegistry registry;
  private final Map<String, String> offReasons;
  private volatile JsonArray conf = new JsonArray();

  /**
   * @param registry   the live view and its memory of backends once announced
   * @param offReasons why backends of this node did not start (the node's {@code BACKENDS_OFF_MAP}), by id
   */
  public KnownBackends(BackendRegistry registry, Map<String, String> offReasons) {
    this.registry = registry;
    this.offReasons = offReasons;
  }

  /** The conf's backend entries, as of the last start or reload. */
  public void conf(JsonArray backends) {
    conf = backends == null ? new JsonArray() : backends.copy();
  }

  /**
   * The backends that serve {@code model} for {@code capability} but are not live, by id, each with why it is not, e.g.
   * {@code openai -> OPENAI_API_KEY not set, local-whisper -> no live instance}; empty when no such backend is known.
   */
  public Map<String, String> notLive(Capability capability, String model) {
    Map<String, String> out = new LinkedHashMap<>();
    for (BackendDescriptor d : registry.everSeen()) {
      if (registry.get(d.id()) == null && d.serves(capability) && !d.models().isEmpty() && d.resolveModel(model) != null) {
        out.put(d.id(), offReasons.getOrDefault(d.id(), "no live instance"));
      }
    }
    for (Object o : conf) {
      if (o instanceof JsonObject entry && entry.getValue("id") instanceof String id && !out.containsKey(id)
        && registry.get(id) == null && !seenServingOther(id, capability) && mayServe(entry, capability) && names(entry, model)) {
        out.put(id, !entry.getBoolean("enabled", true) ? "disabled in conf" : offReasons.getOrDefault(id, "not running on any node"));
      }
    }
    return out;
  }

  /**
   * The models {@code requested} stands for on any backend, live, announced once or in the conf: itself and the
   * targets of the aliases of that name (what an API key's model list is checked against).
   */
  public Set<String> resolutions(String requested) {
    Set<String> out = new LinkedHashSet<>();
    out.add(requested);
    for (BackendDescriptor d : registry.everSeen()) {
      String resolved = d.models().isEmpty() ? null : d.resolveModel(requested);
      if (resolved != null) {
        out.add(resolved);
      }
    }
    for (Object o : conf) {
      if (o instanceof JsonObject entry && entry.getValue("aliases") instanceof JsonObject aliases
        && aliases.getValue(requested) instanceof String target) {
        out.add(target);
      }
    }
    return out;
  }

  /** True when the backend was announced once and its descriptor says it does not serve {@code capability}. */
  private boolean seenServingOther(String id, Capability capability) {
    for (BackendDescriptor d : registry.everSeen()) {
      if (d.id().equals(id)) {
        return !d.serves(capability);
      }
    }
    return false;
  }

  /**
   * What the built-in adapter types serve when their conf entry lists no {@code capabilities} (their providers'
   * defaults), so that a transcription backend's alias {@code light} does not make {@code light} a known chat model.
   */
  private static final Map<String, Capability> TYPE_DEFAULTS = Map.ofEntries(
    Map.entry("openai-compatible", Capability.CHAT), Map.entry("anthropic", Capability.CHAT), Map.entry("jlama", Capability.CHAT),
    Map.entry("runpod-serverless", Capability.CHAT), Map.entry("cli", Capability.CHAT), Map.entry("onnx-embeddings", Capability.EMBED),
    Map.entry("local-whisper", Capability.TRANSCRIBE), Map.entry("openai-transcription", Capability.TRANSCRIBE),
    Map.entry("openrouter-transcription", Capability.TRANSCRIBE), Map.entry("runpod-whisper", Capability.TRANSCRIBE),
    Map.entry("local-tts", Capability.SPEECH), Map.entry("openai-speech", Capability.SPEECH), Map.entry("elevenlabs", Capability.SPEECH),
    Map.entry("openai-realtime", Capability.REALTIME));

  private static boolean mayServe(JsonObject entry, Capability capability) {
    if (entry.getValue("capabilities") instanceof JsonArray caps && !caps.isEmpty()) {
      return caps.stream().anyMatch(c -> capability.wireName().equals(String.valueOf(c)));
    }
    Capability byType = TYPE_DEFAULTS.get(String.valueOf(entry.getValue("type")));
    return byType == null || byType == capability; // an adapter type the router does not know: it may serve anything
  }

  private static boolean names(JsonObject entry, String model) {
    List<?> models = entry.getValue("models") instanceof JsonArray m ? m.getList() : List.of();
    return models.contains(model) || entry.getValue("aliases") instanceof JsonObject aliases && aliases.containsKey(model);
  }
}
