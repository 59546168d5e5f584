package io.switchboard.core.audio;

/**
 * Decoded audio: mono float samples in [-1, 1] at {@code sampleRate} Hz. The array is owned by the holder; the
 * decoders hand out fresh arrays.
 */
public record PcmAudio(float[] samples, int sampleRate) {

  public double durationSeconds() {
    return (double) samples.length / sampleRate;
  }

  /** This audio at {@code rate} Hz (itself when already there). */
  public PcmAudio resampledTo(int rate) {
    return rate == sampleRate ? this : new PcmAudio(Resampler.resample(samples, sampleRate, rate), rate);
  }
}
