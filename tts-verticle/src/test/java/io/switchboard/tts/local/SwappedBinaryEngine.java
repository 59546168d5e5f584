package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.file.Path;
import java.util.Map;

/** The real flite for voice discovery, another executable (a slow or hung stand-in) for synthesis. */
final class SwappedBinaryEngine implements TtsEngine {

  private final TtsEngine real;
  private final FliteEngine substitute;

  SwappedBinaryEngine(TtsEngine real, Path binary) {
    this.real = real;
    this.substitute = new FliteEngine(binary);
  }

  @Override
  public String name() {
    return real.name();
  }

  @Override
  public Path binary() {
    return real.binary();
  }

  @Override
  public String installHint() {
    return real.installHint();
  }

  @Override
  public String defaultVoice() {
    return real.defaultVoice();
  }

  @Override
  public Map<String, String> defaultVoiceMap() {
    return real.defaultVoiceMap();
  }

  @Override
  public VoiceCatalog discoverVoices(long timeoutMs) {
    return real.discoverVoices(timeoutMs);
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    return substitute.synthesize(text, voice, speed, timeoutMs, cancellation);
  }
}
