package io.switchboard.voice.call;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.SpeechAudio;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a call says when a stage has no backend left ({@code voice.apology}): the conf text as the speech stage last
 * spoke it for this node (kept per output format and voice, the first time a call starts while speech works), or,
 * when speech has never worked here, a recording of the default text that ships with the module (flite's
 * {@code slt} voice, μ-law 8 kHz, converted to the call's format). Shared by the node's calls; thread-safe.
 */
public final class ApologyAudio {

  private static final String BUILT_IN = "/io/switchboard/voice/apology-en-8k.ulaw";

  private final byte[] builtIn;
  private final Map<String, byte[]> spoken = new ConcurrentHashMap<>();

  public ApologyAudio() {
    try (InputStream in = ApologyAudio.class.getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException(BUILT_IN + " is missing from the voice module");
      }
      builtIn = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String key(OutputFormat format, String voice, String text) {
    return format.key() + "|" + voice + "|" + text;
  }

  /** True when the speech stage's rendering of {@code text} in this format and voice is kept. */
  public boolean has(OutputFormat format, String voice, String text) {
    return spoken.containsKey(key(format, voice, text));
  }

  /** Keeps the speech stage's rendering of {@code text}. */
  public void keep(OutputFormat format, String voice, String text, byte[] audio) {
    if (audio.length > 0) {
      spoken.put(key(format, voice, text), audio);
    }
  }

  /** The apology in {@code format}: the kept rendering, else the built-in recording converted. */
  public byte[] audio(OutputFormat format, String voice, String text) {
    byte[] kept = spoken.get(key(format, voice, text));
    if (kept != null) {
      return kept;
    }
    SpeechAudio convert = new SpeechAudio(OutputFormat.TWILIO, format);
    byte[] head = convert.push(builtIn);
    byte[] tail = convert.flush();
    byte[] out = new byte[head.length + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }
}
