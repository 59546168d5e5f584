package io.switchboard.api;

import java.util.Locale;
import java.util.Map;

/** Spoken-language names as OpenAI and Whisper use them ({@code english}) to ISO 639-1 codes ({@code en}). */
public final class Languages {

  private static final Map<String, String> BY_NAME = Map.ofEntries(
    Map.entry("english", "en"), Map.entry("french", "fr"), Map.entry("german", "de"), Map.entry("spanish", "es"),
    Map.entry("italian", "it"), Map.entry("portuguese", "pt"), Map.entry("dutch", "nl"), Map.entry("russian", "ru"),
    Map.entry("chinese", "zh"), Map.entry("japanese", "ja"), Map.entry("korean", "ko"), Map.entry("arabic", "ar"),
    Map.entry("hindi", "hi"), Map.entry("polish", "pl"), Map.entry("turkish", "tr"), Map.entry("swedish", "sv"),
    Map.entry("ukrainian", "uk"), Map.entry("czech", "cs"), Map.entry("greek", "el"), Map.entry("hebrew", "he"));

  private Languages() {
  }

  /** The ISO 639-1 code of a language name or code ({@code "English"} and {@code "en-US"} give {@code "en"}). */
  public static String code(String language) {
    String l = language.trim().toLowerCase(Locale.ROOT);
    String byName = BY_NAME.get(l);
    if (byName != null) {
      return byName;
    }
    int dash = l.indexOf('-');
    return dash > 0 ? l.substring(0, dash) : l;
  }
}
