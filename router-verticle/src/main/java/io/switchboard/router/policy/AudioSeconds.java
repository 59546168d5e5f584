package io.switchboard.router.policy;

import io.vertx.core.buffer.Buffer;

import java.util.Locale;

/**
 * A rough duration of an uploaded audio file, for cost estimates and budgets before it is decoded. WAV is read
 * from its header (exact). Compressed formats are guessed from a typical bitrate for speech of that format
 * (mp3/aac 128 kbit/s, opus/ogg/webm 32 kbit/s, flac ~700 kbit/s, G.711 64 kbit/s, raw PCM 16 kHz 16-bit mono):
 * a file encoded at a lower bitrate is longer than estimated, one at a higher bitrate shorter.
 */
public final class AudioSeconds {

  private AudioSeconds() {
  }

  /** Estimated seconds of {@code audio}; {@code contentType} and {@code filename} may be null. */
  public static double estimate(Buffer audio, String contentType, String filename) {
    if (audio == null || audio.length() == 0) {
      return 0;
    }
    double wav = wavSeconds(audio);
    if (wav >= 0) {
      return wav;
    }
    return audio.length() / (double) bytesPerSecond(format(contentType, filename));
  }

  private static String format(String contentType, String filename) {
    String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    String name = filename == null ? "" : filename.toLowerCase(Locale.ROOT);
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1);
    return !ext.isEmpty() ? ext : ct;
  }

  private static int bytesPerSecond(String format) {
    if (format.contains("ogg") || format.contains("opus") || format.contains("webm")) {
      return 4_000;
    }
    if (format.contains("flac")) {
      return 88_200;
    }
    if (format.contains("ulaw") || format.contains("basic") || format.contains("alaw") || format.equals("au")) {
      return 8_000;
    }
    if (format.contains("pcm") || format.equals("raw") || format.contains("l16")) {
      return 32_000;
    }
    return 16_000; // mp3, m4a, mp4, aac, mpga and anything unknown
  }

  /** Seconds from a RIFF/WAVE header, or -1 when {@code audio} is not a WAV file whose header can be read. */
  static double wavSeconds(Buffer audio) {
    if (audio.length() < 12 || !"RIFF".equals(audio.getString(0, 4)) || !"WAVE".equals(audio.getString(8, 12))) {
      return -1;
    }
    long byteRate = -1;
    int pos = 12;
    while (pos + 8 <= audio.length()) {
      String id = audio.getString(pos, pos + 4);
      long size = audio.getUnsignedIntLE(pos + 4);
      if (id.equals("fmt ") && pos + 20 <= audio.length()) { // the byte rate is bytes 16-19 of the chunk
        byteRate = audio.getUnsignedIntLE(pos + 16);
      } else if (id.equals("data")) {
        if (byteRate <= 0) {
          return -1;
        }
        // A streamed WAV may carry a placeholder size: trust the bytes actually present.
        long present = audio.length() - (pos + 8L);
        return Math.min(size, present) / (double) byteRate;
      }
      pos += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - pos - 8);
    }
    return -1;
  }
}
