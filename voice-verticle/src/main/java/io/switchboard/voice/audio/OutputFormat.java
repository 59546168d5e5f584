package io.switchboard.voice.audio;

import io.switchboard.core.audio.G711;
import io.switchboard.core.audio.WavWriter;

/**
 * The audio a call sends out, in 20 ms frames: G.711 μ-law at 8 kHz (Twilio: 160 bytes a frame) or 16-bit
 * little-endian PCM at the rate the client chose (plain socket).
 */
public record OutputFormat(boolean mulaw, int sampleRate) {

  public static final int FRAME_MS = 20;
  public static final OutputFormat TWILIO = new OutputFormat(true, 8000);

  public static OutputFormat pcm(int sampleRate) {
    return new OutputFormat(false, sampleRate);
  }

  public int samplesPerFrame() {
    return sampleRate * FRAME_MS / 1000;
  }

  public int frameBytes() {
    return samplesPerFrame() * (mulaw ? 1 : 2);
  }

  /** The byte value of silence (μ-law's is 0xFF; PCM's 0). */
  public byte silence() {
    return mulaw ? (byte) 0xFF : 0;
  }

  /** Milliseconds of audio in {@code bytes} of this format. */
  public double millis(long bytes) {
    return bytes * 1000.0 / sampleRate / (mulaw ? 1 : 2);
  }

  public byte[] encode(float[] samples) {
    if (!mulaw) {
      return WavWriter.pcm16Samples(samples);
    }
    byte[] out = new byte[samples.length];
    for (int i = 0; i < samples.length; i++) {
      out[i] = G711.encodeMulaw(samples[i]);
    }
    return out;
  }

  /** How the speech stage asks a backend for audio already in this format. */
  public String responseFormat() {
    return mulaw ? "ulaw" : "pcm";
  }

  /** A short name for logs and caches: {@code ulaw8000}, {@code pcm16000}. */
  public String key() {
    return responseFormat() + sampleRate;
  }
}
