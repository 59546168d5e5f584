package io.switchboard.voice.audio;

/**
 * Where the caller's audio last rose above a quiet level: the end (sample index since the call began) of the last
 * 10 ms block whose RMS was above it. The turn-taking uses it to count a silence from where the sound stopped rather
 * than from where the VAD model, a window or two later, noticed. Not thread-safe: the call's context only.
 */
public final class SoundEnd {

  private static final int BLOCK = 160; // 10 ms at 16 kHz

  private final double quietSquared;
  private long position;
  private double sum;
  private int filled;
  private long end = -1;

  /** @param quietDbfs the level at and below which audio is quiet (e.g. -50 dBFS); {@code 0} or above: never quiet */
  public SoundEnd(double quietDbfs) {
    double rms = Math.pow(10, quietDbfs / 20);
    this.quietSquared = quietDbfs >= 0 ? -1 : rms * rms;
  }

  /** The next samples (16 kHz). */
  public void push(float[] samples) {
    for (float s : samples) {
      sum += s * s;
      position++;
      if (++filled == BLOCK) {
        if (sum / BLOCK > quietSquared) {
          end = position;
        }
        sum = 0;
        filled = 0;
      }
    }
  }

  /** The end of the last block above the quiet level ({@code Long.MAX_VALUE} when the level never counts as quiet). */
  public long end() {
    return quietSquared < 0 ? Long.MAX_VALUE : end;
  }
}
