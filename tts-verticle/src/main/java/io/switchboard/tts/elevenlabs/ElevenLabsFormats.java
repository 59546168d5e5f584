package io.switchboard.tts.elevenlabs;

import io.switchboard.api.AudioOutputs;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.buffer.Buffer;

import java.util.Set;

/**
 * Maps the mesh's {@code response_format} + {@code sample_rate} to ElevenLabs' {@code output_format} query value
 * ({@code codec_rate[_bitrate]}). ElevenLabs has no WAV on the streaming endpoint, so {@code wav} is raw PCM at the
 * asked rate behind a streaming WAV header from mesh-core's {@link WavWriter}. Its opus, aac and flac are not offered: those requests are refused.
 */
final class ElevenLabsFormats {

  /** The PCM rates ElevenLabs documents ({@code pcm_8000} ... {@code pcm_48000}). */
  static final Set<Integer> PCM_RATES = Set.of(8000, 16000, 22050, 24000, 44100, 48000);
  static final int DEFAULT_PCM_RATE = 24000;
  /** What {@link #choose} accepts, announced so that the router sends nothing else here. */
  static final AudioOutputs OUTPUTS = AudioOutputs.UNDECLARED.with("mp3", 22050, 44100)
    .with("pcm", 8000, 16000, 22050, 24000, 44100, 48000).with("wav", 8000, 16000, 22050, 24000, 44100, 48000).with("ulaw", 8000);

  /** What to ask for, and whether a WAV header goes in front. */
  record Choice(String outputFormat, boolean wav, int sampleRate, String contentType) {
  }

  private ElevenLabsFormats() {
  }

  static Choice choose(String id, String format, Integer sampleRate) {
    return switch (format) {
      case "mp3" -> {
        if (sampleRate == null || sampleRate == 44100) {
          yield new Choice("mp3_44100_128", false, 44100, "audio/mpeg");
        }
        if (sampleRate == 22050) {
          yield new Choice("mp3_22050_32", false, 22050, "audio/mpeg");
        }
        throw MeshException.invalid("sample_rate", id + " produces mp3 at 22050 or 44100 Hz");
      }
      case "pcm", "wav" -> {
        int rate = sampleRate == null ? DEFAULT_PCM_RATE : sampleRate;
        if (!PCM_RATES.contains(rate)) {
          throw MeshException.invalid("sample_rate", id + " produces " + format + " at 8000, 16000, 22050, 24000, 44100 or 48000 Hz");
        }
        boolean wav = format.equals("wav");
        yield new Choice("pcm_" + rate, wav, rate, wav ? "audio/wav" : "audio/pcm");
      }
      case "ulaw" -> {
        if (sampleRate != null && sampleRate != 8000) {
          throw MeshException.invalid("sample_rate", id + " produces ulaw at 8000 Hz only");
        }
        yield new Choice("ulaw_8000", false, 8000, "audio/basic");
      }
      default -> throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA,
        id + " cannot produce '" + format + "' (mp3, pcm, wav, ulaw)", "response_format");
    };
  }

  /** The header of a mono 16-bit PCM WAV of unknown length (sizes 0xFFFFFFFF: "to the end of the stream"). */
  static Buffer streamingWavHeader(int sampleRate) {
    return Buffer.buffer(WavWriter.pcm16Header(sampleRate, 1, -1));
  }
}
