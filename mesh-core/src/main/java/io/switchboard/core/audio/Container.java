package io.switchboard.core.audio;

import java.nio.charset.StandardCharsets;

/**
 * The container an upload really is, sniffed from its first bytes rather than trusted from its file name or
 * content type (clients mislabel uploads all the time).
 */
public enum Container {
  WAV("WAV"), AU("Sun/NeXT .au"), MP3("MP3"), AAC("AAC (ADTS)"), OGG("Ogg"), FLAC("FLAC"), MP4("MP4/M4A"), WEBM("WebM/Matroska"),
  AIFF("AIFF"), UNKNOWN("unknown");

  private final String label;

  Container(String label) {
    this.label = label;
  }

  /** Human name for messages. */
  public String label() {
    return label;
  }

  /** True for containers only ffmpeg decodes here. */
  public boolean needsFfmpeg() {
    return this != WAV && this != AU && this != UNKNOWN;
  }

  public static Container sniff(byte[] b) {
    if (startsWith(b, 0, "RIFF") && startsWith(b, 8, "WAVE")) {
      return WAV;
    }
    if (startsWith(b, 0, ".snd")) {
      return AU;
    }
    if (startsWith(b, 0, "ID3")) {
      return MP3;
    }
    if (startsWith(b, 0, "OggS")) {
      return OGG;
    }
    if (startsWith(b, 0, "fLaC")) {
      return FLAC;
    }
    if (startsWith(b, 4, "ftyp")) {
      return MP4;
    }
    if (b.length >= 4 && (b[0] & 0xFF) == 0x1A && (b[1] & 0xFF) == 0x45 && (b[2] & 0xFF) == 0xDF && (b[3] & 0xFF) == 0xA3) {
      return WEBM;
    }
    if (startsWith(b, 0, "FORM") && (startsWith(b, 8, "AIFF") || startsWith(b, 8, "AIFC"))) {
      return AIFF;
    }
    return frameSync(b);
  }

  /** An MPEG audio frame header (11 sync bits, a valid layer and bitrate) or an ADTS header. */
  private static Container frameSync(byte[] b) {
    if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xE0) != 0xE0) {
      return UNKNOWN;
    }
    int layer = (b[1] >> 1) & 0x03;
    if (layer == 0) {
      return (b[1] & 0xF6) == 0xF0 ? AAC : UNKNOWN;
    }
    int bitrate = (b[2] >> 4) & 0x0F;
    int rate = (b[2] >> 2) & 0x03;
    return bitrate != 0x0F && rate != 0x03 ? MP3 : UNKNOWN;
  }

  private static boolean startsWith(byte[] b, int offset, String magic) {
    byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
    if (b.length < offset + m.length) {
      return false;
    }
    for (int i = 0; i < m.length; i++) {
      if (b[offset + i] != m[i]) {
        return false;
      }
    }
    return true;
  }
}
