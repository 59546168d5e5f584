package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.PcmAudio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CMU Flite (Debian package {@code flite}). The text goes in through an owner-only temporary file ({@code -f}),
 * not the command line, where any local user could read it in {@code /proc}; the WAV comes back through another
 * ({@code -o}: flite writes {@code -o -} to a file named "-"). Voices come from {@code flite -lv}: slt, awb, rms,
 * kal16 at 16 kHz, kal at 8 kHz. flite falls back to kal silently on an unknown voice, so voices are checked
 * before it runs.
 */
record FliteEngine(Path binary) implements TtsEngine {

  private static final System.Logger LOG = System.getLogger(FliteEngine.class.getName());

  @Override
  public String name() {
    return "flite";
  }

  @Override
  public String defaultVoice() {
    return "slt";
  }

  @Override
  public Map<String, String> defaultVoiceMap() {
    // slt is the one female voice; the male OpenAI voices spread over rms, awb (Scottish) and kal16.
    return Map.ofEntries(Map.entry("alloy", "slt"), Map.entry("ash", "rms"), Map.entry("ballad", "awb"),
      Map.entry("coral", "slt"), Map.entry("echo", "rms"), Map.entry("fable", "awb"), Map.entry("nova", "slt"),
      Map.entry("onyx", "kal16"), Map.entry("sage", "slt"), Map.entry("shimmer", "slt"), Map.entry("verse", "rms"));
  }

  @Override
  public VoiceCatalog discoverVoices(long timeoutMs) {
    String out = new String(EngineProcess.run(List.of(binary.toString(), "-lv"), null, timeoutMs, new Cancellation()),
      StandardCharsets.UTF_8);
    return new VoiceCatalog(parseVoiceList(out), List.of());
  }

  /**
   * Parses {@code Voices available: kal awb_time kal16 awb rms slt}. Limited-domain voices ({@code awb_time}) only
   * say clock times and are left out.
   */
  static List<String> parseVoiceList(String out) {
    int colon = out.indexOf(':');
    List<String> voices = new ArrayList<>();
    for (String v : out.substring(colon + 1).trim().split("\\s+")) {
      if (!v.isEmpty() && !v.toLowerCase(Locale.ROOT).endsWith("_time")) {
        voices.add(v);
      }
    }
    return voices;
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    Path in = null;
    Path out = null;
    try {
      in = privateTempFile(".txt");
      out = privateTempFile(".wav");
      Files.writeString(in, text, StandardCharsets.UTF_8);
      List<String> command = List.of(binary.toString(), "-voice", voice,
        "--setf", "duration_stretch=" + String.format(Locale.ROOT, "%.4f", 1.0 / speed),
        "-f", in.toString(), "-o", out.toString());
      EngineProcess.run(command, null, timeoutMs, cancellation);
      return EngineWav.decode(Files.readAllBytes(out), name());
    } catch (IOException e) {
      throw new MeshException(ErrorCode.INTERNAL, "flite temporary file: " + e.getMessage());
    } finally {
      delete(in);
      delete(out);
    }
  }

  private static Path privateTempFile(String suffix) throws IOException {
    try {
      return Files.createTempFile("local-tts-", suffix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      return Files.createTempFile("local-tts-", suffix);
    }
  }

  private static void delete(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete temporary file {0}: {1}", p, e.getMessage());
    }
  }
}
