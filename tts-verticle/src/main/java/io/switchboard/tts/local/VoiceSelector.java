package io.switchboard.tts.local;

import io.switchboard.api.MeshException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Picks the engine voice for a request: the engine's own voice names first, then OpenAI voice names (alloy,
 * nova, ...) through the voice map, and the default voice when the request names none. Built at start from the
 * voices the engine listed, so map entries pointing at a voice this machine lacks are dropped then, with a
 * warning, rather than failing requests later.
 */
final class VoiceSelector {

  private static final System.Logger LOG = System.getLogger(VoiceSelector.class.getName());

  private final String engine;
  private final VoiceCatalog catalog;
  private final String defaultVoice;
  private final Map<String, String> map = new TreeMap<>();

  /**
   * @param configuredVoice the conf {@code voice}, or null for the engine's default
   * @throws IllegalStateException when the engine has no voices or the configured voice is not one of them
   */
  VoiceSelector(TtsEngine engine, VoiceCatalog catalog, String configuredVoice, Map<String, String> voiceMap) {
    this.engine = engine.name();
    this.catalog = catalog;
    if (catalog.voices().isEmpty()) {
      throw new IllegalStateException(engine.name() + " lists no voices");
    }
    if (configuredVoice != null) {
      defaultVoice = catalog.resolve(configuredVoice);
      if (defaultVoice == null) {
        throw new IllegalStateException("conf voice '" + configuredVoice + "' is not a " + engine.name() + " voice; available: "
          + catalog.describe(40));
      }
    } else {
      String d = catalog.resolve(engine.defaultVoice());
      defaultVoice = d != null ? d : catalog.voices().get(0);
    }
    voiceMap.forEach((name, target) -> {
      String resolved = catalog.resolve(target);
      if (resolved == null) {
        LOG.log(System.Logger.Level.WARNING, "{0}: voice_map {1} -> {2}: no such voice here, entry ignored", engine.name(), name, target);
      } else {
        map.put(name.toLowerCase(Locale.ROOT), resolved);
      }
    });
  }

  /** Merges conf entries over the engine's defaults (conf wins). */
  static Map<String, String> merge(Map<String, String> defaults, Map<String, String> conf) {
    Map<String, String> out = new LinkedHashMap<>(defaults);
    out.putAll(conf);
    return out;
  }

  String defaultVoice() {
    return defaultVoice;
  }

  List<String> voices() {
    return catalog.voices();
  }

  /** The engine voice for {@code requested}; INVALID_REQUEST naming the voices when there is none. */
  String select(String requested) {
    if (requested == null || requested.isBlank()) {
      return defaultVoice;
    }
    String own = catalog.resolve(requested);
    if (own != null) {
      return own;
    }
    String mapped = map.get(requested.trim().toLowerCase(Locale.ROOT));
    if (mapped != null) {
      return mapped;
    }
    throw MeshException.invalid("voice", "unknown voice '" + requested + "' for " + engine + "; available: " + catalog.describe(40)
      + (map.isEmpty() ? "" : "; mapped names: " + String.join(", ", map.keySet())));
  }
}
