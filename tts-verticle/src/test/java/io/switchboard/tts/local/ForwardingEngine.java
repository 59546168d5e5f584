package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.file.Path;
import java.util.Map;

/** An engine that hands everything to another: a test's stand-in overrides only what it changes. */
abstract class ForwardingEngine implements TtsEngine {

  private final TtsEngine delegate;

  ForwardingEngine(TtsEngine delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Path binary() {
    return delegate.binary();
  }

  @Override
  public String installHint() {
    return delegate.installHint();
  }

  @Override
  public String defaultVoice() {
    return delegate.defaultVoice();
  }

  @Override
  public Map<String, String> defaultVoiceMap() {
    return delegate.defaultVoiceMap();
  }

  @Override
  public VoiceCatalog discoverVoices(long timeoutMs) {
    return delegate.discoverVoices(timeoutMs);
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    return delegate.synthesize(text, voice, speed, timeoutMs, cancellation);
  }
}
