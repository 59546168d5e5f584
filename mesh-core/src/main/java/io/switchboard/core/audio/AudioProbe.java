package io.switchboard.core.audio;

import io.vertx.core.buffer.Buffer;

import java.util.Locale;

/**
 * What a cloud upload needs to know about the audio without decoding it: its container (from the magic bytes,
 * else the file name or content type the caller gave) as the extension and MIME type the speech APIs expect, and,
 * for WAV, its duration from the header (read in place: the upload is not copied to learn it). Cloud APIs pick
 * the decoder from the file name's extension or a format field, so a wrong guess costs a 400.
 */
public final class AudioProbe {

  /** Containers the speech APIs accept, with the extension and MIME type they expect. */
  public enum Format {
    WAV("wav", "audio/wav"), MP3("mp3", "audio/mpeg"), FLAC("flac", "audio/flac"), OGG("ogg", "audio/ogg"),
    WEBM("webm", "audio/webm"), M4A("m4a", "audio/mp4"), AAC("aac", "audio/aac"), AIFF("aiff", "audio/aiff"),
    UNKNOWN("bin", "application/octet-stream");

    private final String extension;
    private final String mimeType;

    Format(String extension, String mimeType) {
      this.extension = extension;
      this.mimeType = mimeType;
    }

    public String extension() {
      return extension;
    }

    public String mimeType() {
      return mimeType;
    }
  }

  private AudioProbe() {
  }

  /** The container: magic bytes first (they cannot lie), then the caller's file name, then its content type. */
  public static Format detect(Buffer audio, String filename, String contentType) {
    Format sniffed = sniff(audio);
    if (sniffed != Format.UNKNOWN) {
      return sniffed;
    }
    Format named = fromExtension(filename);
    return named != Format.UNKNOWN ? named : fromMimeType(contentType);
  }

  /** The container from the magic bytes, by mesh-core's {@link Container#sniff}; formats no speech API takes are UNKNOWN. */
  public static Format sniff(Buffer a) {
    return switch (Container.sniff(a.getBytes(0, Math.min(a.length(), 64)))) {
      case WAV -> Format.WAV;
      case MP3 -> Format.MP3;
      case FLAC -> Format.FLAC;
      case OGG -> Format.OGG;
      case WEBM -> Format.WEBM;
      case MP4 -> Format.M4A;
      case AAC -> Format.AAC;
      case AIFF -> Format.AIFF;
      default -> Format.UNKNOWN;
    };
  }

  public static Format fromExtension(String filename) {
    if (filename == null || filename.lastIndexOf('.') < 0) {
      return Format.UNKNOWN;
    }
    String ext = filename.substring(filename.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case "wav", "wave" -> Format.WAV;
      case "mp3", "mpga", "mpeg" -> Format.MP3;
      case "flac" -> Format.FLAC;
      case "ogg", "oga", "opus" -> Format.OGG;
      case "webm" -> Format.WEBM;
      case "m4a", "mp4" -> Format.M4A;
      case "aac" -> Format.AAC;
      case "aif", "aiff" -> Format.AIFF;
      default -> Format.UNKNOWN;
    };
  }

  public static Format fromMimeType(String contentType) {
    if (contentType == null) {
      return Format.UNKNOWN;
    }
    String t = contentType.toLowerCase(Locale.ROOT);
    for (Format f : Format.values()) {
      if (f != Format.UNKNOWN && t.startsWith(f.mimeType)) {
        return f;
      }
    }
    if (t.startsWith("audio/x-wav") || t.startsWith("audio/wave")) {
      return Format.WAV;
    }
    return t.startsWith("audio/mp3") ? Format.MP3 : Format.UNKNOWN;
  }

  /**
   * Seconds of audio in a WAV file, from its {@code fmt } byte rate and {@code data} size (a streaming header's
   * unknown size counts as "to the end of the buffer"); -1 when {@code audio} is not a readable WAV.
   */
  public static double wavSeconds(Buffer audio) {
    if (sniff(audio) != Format.WAV) {
      return -1;
    }
    long byteRate = -1;
    int pos = 12;
    while (pos + 8 <= audio.length()) {
      String chunk = audio.getString(pos, pos + 4, "ISO-8859-1");
      long size = audio.getUnsignedIntLE(pos + 4);
      int start = pos + 8;
      if (chunk.equals("fmt ") && start + 12 <= audio.length()) {
        byteRate = audio.getUnsignedIntLE(start + 8);
      } else if (chunk.equals("data")) {
        long available = audio.length() - (long) start;
        long bytes = size == 0xFFFFFFFFL || size > available ? available : size;
        return byteRate > 0 ? (double) bytes / byteRate : -1;
      }
      pos = (int) Math.min(Integer.MAX_VALUE - 8, start + size + (size & 1));
    }
    return -1;
  }
}
