package io.switchboard.core.cache;

import io.switchboard.api.Capability;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code cache:} slice of the configuration, defaults beside each key. Per capability a mode ({@code on}: every
 * deterministic request; {@code opt_in}: only requests with {@code "cache": true}; {@code off}) and a TTL; a bound on
 * the bytes each node has put in the shared map ({@code max_bytes}, oldest evicted first) and on one entry
 * ({@code max_entry_bytes}: larger answers are not kept); {@code scope: shared} lets keys with the same rights share
 * entries, {@code scope: key} keeps each key's entries to itself.
 */
public record CacheSettings(boolean enabled, Map<Capability, Mode> modes, Map<Capability, Long> ttlMs, long maxBytes,
                            long maxEntryBytes, boolean keyScoped, long lookupTimeoutMs) {

  public enum Mode { ON, OPT_IN, OFF }

  private static final Map<Capability, Mode> DEFAULT_MODES = Map.of(
    Capability.TRANSCRIBE, Mode.ON, Capability.EMBED, Mode.ON, Capability.SPEECH, Mode.ON, Capability.CHAT, Mode.OPT_IN,
    Capability.REALTIME, Mode.OFF);
  private static final Map<Capability, Long> DEFAULT_TTLS = Map.of(
    Capability.TRANSCRIBE, 86_400_000L, Capability.EMBED, 604_800_000L, Capability.SPEECH, 86_400_000L, Capability.CHAT, 3_600_000L,
    Capability.REALTIME, 60_000L);

  public CacheSettings {
    modes = Map.copyOf(modes);
    ttlMs = Map.copyOf(ttlMs);
  }

  public static CacheSettings from(JsonObject conf) {
    JsonObject c = conf == null ? new JsonObject() : conf;
    Map<Capability, Mode> modes = new EnumMap<>(Capability.class);
    Map<Capability, Long> ttls = new EnumMap<>(Capability.class);
    for (Capability cap : Capability.values()) {
      JsonObject slice = c.getJsonObject(cap.wireName(), new JsonObject());
      modes.put(cap, mode(cap, slice.getValue("mode")));
      long ttl = slice.getLong("ttl_ms", DEFAULT_TTLS.get(cap));
      if (ttl <= 0) {
        throw new IllegalArgumentException("cache." + cap.wireName() + ".ttl_ms must be positive");
      }
      ttls.put(cap, ttl);
    }
    String scope = c.getString("scope", "shared");
    if (!scope.equals("shared") && !scope.equals("key")) {
      throw new IllegalArgumentException("cache.scope must be shared or key, got '" + scope + "'");
    }
    return new CacheSettings(c.getBoolean("enabled", true), modes, ttls, c.getLong("max_bytes", 64L << 20),
      c.getLong("max_entry_bytes", 4L << 20), scope.equals("key"), c.getLong("lookup_timeout_ms", 100L));
  }

  /** YAML 1.1 reads a bare {@code on}/{@code off} as a boolean: both spellings are accepted. */
  private static Mode mode(Capability cap, Object value) {
    if (value == null) {
      return DEFAULT_MODES.get(cap);
    }
    if (value instanceof Boolean b) {
      return b ? Mode.ON : Mode.OFF;
    }
    try {
      return Mode.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cache." + cap.wireName() + ".mode must be on, opt_in or off, got '" + value + "'");
    }
  }

  public Mode mode(Capability capability) {
    return enabled ? modes.get(capability) : Mode.OFF;
  }

  public long ttl(Capability capability) {
    return ttlMs.get(capability);
  }

  /** The longest TTL: how long a deletion must be remembered for every entry made before it to have expired. */
  public long longestTtl() {
    return ttlMs.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /**
   * Whether a request takes part in the cache: its capability's mode, the body's {@code cache} field ({@code false}
   * skips, {@code true} opts in) and {@code Cache-Control: no-store} (skips). Determinism is the canonicaliser's
   * call ({@link CacheKeys#chat} answers null).
   */
  public boolean wanted(Capability capability, Object cacheField, boolean noStore) {
    Mode mode = mode(capability);
    if (mode == Mode.OFF || noStore || Boolean.FALSE.equals(cacheField)) {
      return false;
    }
    return mode == Mode.ON || Boolean.TRUE.equals(cacheField);
  }
}
