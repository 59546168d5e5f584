package io.switchboard.tts.local;

import io.switchboard.api.MeshException;

import java.util.List;
import java.util.Locale;

/**
 * The audio forms a speech request may ask for ({@code response_format}). wav, pcm and ulaw are written here;
 * the compressed ones are encoded by an ffmpeg process.
 *
 * <p>Sample rates: {@code sample_rate} wins when given. Otherwise pcm is 24 kHz (what OpenAI's pcm is, so clients
 * written for it play it right), ulaw 8 kHz (telephony), the compressed forms 24 kHz, and wav keeps the engine's
 * own rate (nothing gained by resampling what carries its rate in the header).
 */
enum OutputFormat {
  WAV("audio/wav", null, null),
  PCM("audio/pcm", 24_000, null),
  ULAW("audio/basic", 8_000, null),
  MP3("audio/mpeg", 24_000, List.of("-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3")),
  OPUS("audio/ogg", 24_000, List.of("-c:a", "libopus", "-b:a", "32k", "-application", "voip", "-page_duration", "100000", "-f", "ogg")),
  AAC("audio/aac", 24_000, List.of("-c:a", "aac", "-b:a", "64k", "-f", "adts")),
  FLAC("audio/flac", 24_000, List.of("-c:a", "flac", "-f", "flac"));

  private final String contentType;
  private final Integer defaultRate;
  private final List<String> ffmpegArgs;

  OutputFormat(String contentType, Integer defaultRate, List<String> ffmpegArgs) {
    this.contentType = contentType;
    this.defaultRate = defaultRate;
    this.ffmpegArgs = ffmpegArgs;
  }

  String contentType() {
    return contentType;
  }

  /** The rate to deliver at: the requested one, else this format's default, else null (the engine's own). */
  Integer rate(Integer requested) {
    return requested != null ? requested : defaultRate;
  }

  boolean needsFfmpeg() {
    return ffmpegArgs != null;
  }

  /** ffmpeg output options (codec, bitrate, container) for the compressed forms. */
  List<String> ffmpegArgs() {
    return ffmpegArgs;
  }

  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format of a {@code response_format} value (already checked by {@code SpeechRequest}); null means mp3. */
  static OutputFormat of(String responseFormat) {
    if (responseFormat == null) {
      return MP3;
    }
    try {
      return valueOf(responseFormat.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw MeshException.invalid("response_format",
        "unknown response_format '" + responseFormat + "' (mp3, wav, pcm, opus, aac, flac, ulaw)");
    }
  }
}
