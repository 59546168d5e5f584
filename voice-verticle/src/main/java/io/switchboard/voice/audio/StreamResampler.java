package io.switchboard.voice.audio;

import io.switchboard.core.audio.Resampler;

import java.util.Arrays;

/**
 * Sample-rate conversion of a stream that arrives in small pieces (20 ms frames), with the shared
 * {@link Resampler}'s filter and no seams: each piece is converted together with enough of the input before and
 * after it that every output sample sees exactly the inputs it would see in one pass over the whole stream. The
 * price is a delay of half the filter (about 6 ms at 8 kHz, 3 ms at 48 kHz): an output sample is given out only
 * once the input after it has arrived. Not thread-safe; one per stream.
 */
public final class StreamResampler {

  private final int fromRate;
  private final int toRate;
  private final int up;
  private final int down;
  /** Input samples the filter reaches on each side of an output's position, with a margin. */
  private final int half;
  private float[] buffer = new float[0];
  /** Stream index of {@code buffer[0]}; always a multiple of {@code down}, so outputs line up with a single pass. */
  private long base;
  private long received;
  private long emitted;

  public StreamResampler(int fromRate, int toRate) {
    if (fromRate <= 0 || toRate <= 0) {
      throw new IllegalArgumentException("sample rates must be positive: " + fromRate + " -> " + toRate);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    int g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    // Resampler's filter: 48 zero crossings, stretched by the rate ratio when downsampling, cut at 0.9375 of Nyquist.
    this.half = (int) Math.ceil(48 / (Math.min(1.0, (double) toRate / fromRate) * 0.9375)) + 2;
  }

  /** Converts the next piece of the stream; returns the output samples that are now final (maybe none). */
  public float[] push(float[] in) {
    if (fromRate == toRate) {
      return in.clone();
    }
    append(in);
    received += in.length;
    // Output n sits at input position n * down / up; it is final once the input reaches half past it.
    long last = Math.ceilDiv((received - half) * up, down) - 1;
    return emit(last);
  }

  /** The end of the stream: what is still held back, as if silence followed. */
  public float[] flush() {
    if (fromRate == toRate) {
      return new float[0];
    }
    append(new float[half]);
    long last = Math.floorDiv(received * up, down) - 1;
    float[] out = emit(last);
    received += half;
    return out;
  }

  private float[] emit(long last) {
    if (last < emitted) {
      return new float[0];
    }
    float[] all = Resampler.resample(buffer, fromRate, toRate);
    long offset = base / down * up;
    int from = (int) (emitted - offset);
    int to = (int) Math.min(all.length, last + 1 - offset);
    if (to <= from) {
      return new float[0];
    }
    float[] out = Arrays.copyOfRange(all, from, to);
    emitted += out.length;
    trim();
    return out;
  }

  /** Drops the input no future output reaches, keeping {@code base} a multiple of {@code down}. */
  private void trim() {
    long needed = Math.floorDiv(emitted * down, up) - half;
    long newBase = Math.max(base, Math.floorDiv(needed, down) * down);
    int drop = (int) (newBase - base);
    if (drop > 0) {
      buffer = Arrays.copyOfRange(buffer, drop, buffer.length);
      base = newBase;
    }
  }

  private void append(float[] in) {
    float[] joined = Arrays.copyOf(buffer, buffer.length + in.length);
    System.arraycopy(in, 0, joined, buffer.length, in.length);
    buffer = joined;
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
