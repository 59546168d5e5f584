package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * eSpeak NG (Debian package {@code espeak-ng}): text on stdin as UTF-8 ({@code -b 1}), a 22050 Hz WAV on stdout
 * ({@code --stdout}, with the "unknown length" sizes of a stream). Voices are the language codes of
 * {@code espeak-ng --voices} ({@code en-us}, {@code de}, ...); a variant from {@code --voices=variant} may follow a
 * plus ({@code en-us+f3}).
 */
record EspeakNgEngine(Path binary) implements TtsEngine {

  /** espeak-ng's default rate in words per minute, and the range it accepts. */
  private static final int DEFAULT_WPM = 175;
  private static final int MIN_WPM = 80;
  private static final int MAX_WPM = 450;

  @Override
  public String name() {
    return "espeak-ng";
  }

  @Override
  public String defaultVoice() {
    return "en-us";
  }

  @Override
  public Map<String, String> defaultVoiceMap() {
    return Map.ofEntries(Map.entry("alloy", "en-us+f2"), Map.entry("ash", "en-us+m2"), Map.entry("ballad", "en-gb+m3"),
      Map.entry("coral", "en-us+f4"), Map.entry("echo", "en-us+m3"), Map.entry("fable", "en-gb-x-rp+m1"),
      Map.entry("nova", "en-us+f3"), Map.entry("onyx", "en-us+m1"), Map.entry("sage", "en-gb+f3"),
      Map.entry("shimmer", "en-us+f5"), Map.entry("verse", "en-us+m4"));
  }

  @Override
  public VoiceCatalog discoverVoices(long timeoutMs) {
    Cancellation none = new Cancellation();
    String voices = new String(EngineProcess.run(List.of(binary.toString(), "--voices"), null, timeoutMs, none), StandardCharsets.UTF_8);
    String variants = new String(EngineProcess.run(List.of(binary.toString(), "--voices=variant"), null, timeoutMs, none),
      StandardCharsets.UTF_8);
    return new VoiceCatalog(languages(voices), column(variants, 4, "!v/"));
  }

  /**
   * The Language column plus the plain language codes of the "Other Languages" column ({@code fr} for
   * {@code fr-fr}, {@code en} for the English voices), which espeak-ng takes too.
   */
  static List<String> languages(String table) {
    List<String> out = column(table, 1, "");
    for (String line : table.split("\n")) {
      String[] cells = line.trim().split("\\s+");
      for (int i = 5; i < cells.length; i++) {
        String lang = cells[i].startsWith("(") ? cells[i].substring(1) : "";
        if (!lang.isEmpty() && !out.contains(lang)) {
          out.add(lang);
        }
      }
    }
    return out;
  }

  /**
   * One column of espeak-ng's voice table ({@code Pty Language Age/Gender VoiceName File Other}); no cell but the
   * last holds a space. {@code prefix} is cut from the cell.
   */
  static List<String> column(String table, int index, String prefix) {
    List<String> out = new ArrayList<>();
    for (String line : table.split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length <= index || cells[0].equals("Pty")) {
        continue;
      }
      String cell = cells[index];
      if (cell.startsWith(prefix)) {
        cell = cell.substring(prefix.length());
      }
      if (!cell.isEmpty() && !out.contains(cell)) {
        out.add(cell);
      }
    }
    return out;
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    int wpm = (int) Math.max(MIN_WPM, Math.min(MAX_WPM, Math.round(DEFAULT_WPM * speed)));
    List<String> command = List.of(binary.toString(), "--stdout", "-b", "1", "-v", voice, "-s", Integer.toString(wpm));
    byte[] wav = EngineProcess.run(command, text.getBytes(StandardCharsets.UTF_8), timeoutMs, cancellation);
    return EngineWav.decode(wav, name());
  }
}
