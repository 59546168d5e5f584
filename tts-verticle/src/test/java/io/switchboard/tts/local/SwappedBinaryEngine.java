package io.switchboard.tts.local;

import io.switchboard.core.audio.PcmAudio;

import java.nio.file.Path;

/** The real flite for voice discovery, another executable (a slow or hung stand-in) for synthesis. */
final class SwappedBinaryEngine extends ForwardingEngine {

  private final FliteEngine substitute;

  SwappedBinaryEngine(TtsEngine real, Path binary) {
    super(real);
    this.substitute = new FliteEngine(binary);
  }

  @Override
  public PcmAudio synthesize(String text, String voice, double speed, long timeoutMs, Cancellation cancellation) {
    return substitute.synthesize(text, voice, speed, timeoutMs, cancellation);
  }
}
