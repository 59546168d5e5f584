package io.switchboard.voice.audio;

import io.switchboard.core.audio.G711;

/**
 * Turns the audio a speech backend streams back into the call's output format. When the backend could produce the
 * call's format itself (μ-law 8 kHz for Twilio, PCM at the client's rate) the bytes pass through untouched;
 * otherwise (a backend that only speaks PCM at 24 kHz) they are decoded, resampled without seams and encoded. A
 * PCM sample split across two chunks is carried over. Not thread-safe; one per speech stream.
 */
public final class SpeechAudio {

  private final OutputFormat source;
  private final OutputFormat target;
  private final StreamResampler resampler;
  private byte carry = -1;
  private boolean carrying;

  public SpeechAudio(OutputFormat source, OutputFormat target) {
    this.source = source;
    this.target = target;
    this.resampler = source.equals(target) ? null : new StreamResampler(source.sampleRate(), target.sampleRate());
  }

  /** True when the bytes go through as they are. */
  public boolean passThrough() {
    return resampler == null;
  }

  /** The next chunk from the backend, as bytes of the target format (maybe none yet). */
  public byte[] push(byte[] chunk) {
    if (resampler == null) {
      return chunk;
    }
    return target.encode(resampler.push(decode(chunk)));
  }

  /** The end of the backend's stream: what the resampler still held. */
  public byte[] flush() {
    return resampler == null ? new byte[0] : target.encode(resampler.flush());
  }

  private float[] decode(byte[] chunk) {
    if (source.mulaw()) {
      float[] out = new float[chunk.length];
      for (int i = 0; i < chunk.length; i++) {
        out[i] = G711.decodeMulaw(chunk[i]);
      }
      return out;
    }
    byte[] bytes = chunk;
    if (carrying) {
      bytes = new byte[chunk.length + 1];
      bytes[0] = carry;
      System.arraycopy(chunk, 0, bytes, 1, chunk.length);
      carrying = false;
    }
    if (bytes.length % 2 == 1) {
      carry = bytes[bytes.length - 1];
      carrying = true;
    }
    return Pcm16.decode(bytes, 0, bytes.length - (bytes.length % 2));
  }
}
