package io.switchboard.voice.realtime;

import io.switchboard.core.audio.WavWriter;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import io.switchboard.voice.audio.StreamResampler;
import io.vertx.core.json.JsonObject;

/**
 * The audio between a call's socket and its realtime session. A Twilio call's session speaks {@code audio/pcmu}, so the
 * caller's μ-law goes up as the same bytes (μ-law decoded and encoded again is the same code) and the model's μ-law
 * comes down untouched; a plain-socket call's session speaks {@code audio/pcm} at 24 kHz, resampled from and to the
 * rates the client chose.
 */
final class RealtimeAudio {

  static final int PCM_RATE = 24_000;
  private static final JsonObject PCMU = new JsonObject().put("type", "audio/pcmu");
  private static final JsonObject PCM = new JsonObject().put("type", "audio/pcm").put("rate", PCM_RATE);

  private final OutputFormat out;
  private final StreamResampler up;
  private final StreamResampler down;

  RealtimeAudio(int inputRate, OutputFormat out) {
    this.out = out;
    this.up = out.mulaw() ? null : new StreamResampler(inputRate, PCM_RATE);
    this.down = out.mulaw() ? null : new StreamResampler(PCM_RATE, out.sampleRate());
  }

  /** The session's audio format (GA). */
  JsonObject format() {
    return out.mulaw() ? PCMU : PCM;
  }

  /** Caller audio, as the session takes it. */
  byte[] toSession(float[] samples) {
    return out.mulaw() ? OutputFormat.TWILIO.encode(samples) : WavWriter.pcm16Samples(up.push(samples));
  }

  /** Model audio, in the call's output format. */
  byte[] toCall(byte[] bytes) {
    return out.mulaw() ? bytes : out.encode(down.push(Pcm16.decode(bytes, 0, bytes.length)));
  }

  /** Seconds of caller audio in {@code samples} at {@code rate}. */
  static double seconds(float[] samples, int rate) {
    return samples.length / (double) rate;
  }
}
