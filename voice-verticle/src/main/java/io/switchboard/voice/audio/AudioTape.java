package io.switchboard.voice.audio;

import java.util.Arrays;

/**
 * The caller's recent audio at 16 kHz, addressed by sample index since the call began, so that an utterance can be
 * cut out once the VAD (which lags the audio) has found where it started and ended. While no utterance is open only
 * the last {@code quietSamples} are kept; {@link #hold} keeps everything from a sample on until {@link #release}.
 * Not thread-safe: the call's context only.
 */
public final class AudioTape {

  private final int quietSamples;
  private final int maxSamples;
  private float[] samples = new float[16_000];
  private int length;
  /** Index (since the call began) of {@code samples[0]}. */
  private long base;
  private long holdFrom = -1;

  /**
   * @param quietSamples kept while nothing is held (the pre-roll before a detected start, with room for the VAD's lag)
   * @param maxSamples   the most ever kept (a held utterance longer than this loses its oldest audio)
   */
  public AudioTape(int quietSamples, int maxSamples) {
    this.quietSamples = quietSamples;
    this.maxSamples = Math.max(quietSamples, maxSamples);
  }

  /** Index of the next sample to arrive: the number of samples recorded so far. */
  public long end() {
    return base + length;
  }

  public void append(float[] in) {
    if (length + in.length > samples.length) {
      samples = Arrays.copyOf(samples, Math.max(samples.length * 2, length + in.length));
    }
    System.arraycopy(in, 0, samples, length, in.length);
    length += in.length;
    long keepFrom = holdFrom >= 0 ? Math.max(holdFrom, end() - maxSamples) : end() - quietSamples;
    if (keepFrom - base > 16_000) { // drop in blocks of a second or more, not on every append
      drop((int) (keepFrom - base));
    }
  }

  /** Keeps every sample from {@code index} on (clamped to what is still here) until {@link #release}. */
  public void hold(long index) {
    holdFrom = Math.max(index, base);
  }

  public void release() {
    holdFrom = -1;
  }

  /** A copy of samples {@code [from, to)}, clamped to what is here. */
  public float[] slice(long from, long to) {
    long a = Math.max(from, base);
    long b = Math.min(to, end());
    if (b <= a) {
      return new float[0];
    }
    return Arrays.copyOfRange(samples, (int) (a - base), (int) (b - base));
  }

  private void drop(int n) {
    System.arraycopy(samples, n, samples, 0, length - n);
    length -= n;
    base += n;
  }
}
