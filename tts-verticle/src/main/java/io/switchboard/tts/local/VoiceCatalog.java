package io.switchboard.tts.local;

import java.util.List;
import java.util.Locale;

/**
 * The voices an engine really has, as it listed them at start. espeak-ng also takes a variant after a plus
 * ({@code en-us+f3}); {@link #variants()} is empty for engines without that. Names match case-insensitively and
 * resolve to the engine's own spelling.
 */
record VoiceCatalog(List<String> voices, List<String> variants) {

  VoiceCatalog {
    voices = List.copyOf(voices);
    variants = List.copyOf(variants);
  }

  /** The engine's spelling of {@code name} ({@code voice} or {@code voice+variant}), or null when unknown. */
  String resolve(String name) {
    if (name == null) {
      return null;
    }
    String n = name.trim();
    int plus = n.indexOf('+');
    if (plus < 0) {
      return find(voices, n);
    }
    String base = find(voices, n.substring(0, plus));
    String variant = find(variants, n.substring(plus + 1));
    return base == null || variant == null ? null : base + "+" + variant;
  }

  /** A readable list for an error message; long lists are cut after {@code max} names. */
  String describe(int max) {
    StringBuilder sb = new StringBuilder(String.join(", ", voices.subList(0, Math.min(max, voices.size()))));
    if (voices.size() > max) {
      sb.append(", ... (").append(voices.size() - max).append(" more)");
    }
    if (!variants.isEmpty()) {
      sb.append("; add a variant with '+', e.g. ").append(voices.isEmpty() ? "voice" : voices.get(0)).append('+')
        .append(variants.contains("f3") ? "f3" : variants.get(0));
    }
    return sb.toString();
  }

  private static String find(List<String> names, String wanted) {
    String w = wanted.toLowerCase(Locale.ROOT);
    for (String n : names) {
      if (n.toLowerCase(Locale.ROOT).equals(w)) {
        return n;
      }
    }
    return null;
  }
}
