package io.switchboard.tts.local;

import io.switchboard.core.audio.G711;
import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.buffer.Buffer;

import java.util.function.Consumer;

/**
 * wav, pcm and ulaw, written without ffmpeg: each sentence is resampled to the delivery rate with the shared
 * anti-aliased {@link io.switchboard.core.audio.Resampler} and sent on at once.
 *
 * <p>A streamed WAV cannot know its length when its header leaves, so the header of a multi-sentence WAV carries
 * the "length unknown" sizes 0xFFFFFFFF (RIFF and data), which players, ffmpeg and our WAV decoder read as "to
 * the end of the stream". Text of a single sentence is rendered before anything is sent, so its header has the
 * exact sizes. pcm is raw signed 16-bit little-endian mono; ulaw is raw G.711 μ-law bytes (no header).
 */
final class RawEncoder implements AudioEncoder {

  private final OutputFormat format;
  private final Consumer<Buffer> sink;
  private Integer rate;
  private boolean headerSent;

  /** {@code rate} null keeps the engine's rate (wav only). */
  RawEncoder(OutputFormat format, Integer rate, Consumer<Buffer> sink) {
    if (format.needsFfmpeg()) {
      throw new IllegalArgumentException(format + " needs ffmpeg");
    }
    this.format = format;
    this.rate = rate;
    this.sink = sink;
  }

  @Override
  public void write(PcmAudio audio, boolean last) {
    if (rate == null) {
      rate = audio.sampleRate();
    }
    float[] samples = audio.resampledTo(rate).samples();
    Buffer out = Buffer.buffer(samples.length * 2 + 44);
    switch (format) {
      case WAV -> {
        if (!headerSent) {
          long dataBytes = last ? samples.length * 2L : -1;
          out.appendBytes(WavWriter.pcm16Header(rate, 1, dataBytes));
          headerSent = true;
        }
        out.appendBytes(WavWriter.pcm16Samples(samples));
      }
      case PCM -> out.appendBytes(WavWriter.pcm16Samples(samples));
      case ULAW -> out.appendBytes(mulaw(samples));
      default -> throw new IllegalStateException(format.name());
    }
    sink.accept(out);
  }

  private static byte[] mulaw(float[] samples) {
    byte[] out = new byte[samples.length];
    for (int i = 0; i < samples.length; i++) {
      out[i] = G711.encodeMulaw(samples[i]);
    }
    return out;
  }

  @Override
  public void finish(long timeoutMs) {
    // Everything was sent with its sentence.
  }

  @Override
  public void abort() {
    // Nothing held.
  }
}
