package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;

/**
 * Reads RIFF/WAVE files into mono float audio at their own rate: PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float
 * 32 and 64-bit, A-law (format 6) and μ-law (format 7), plain or WAVE_FORMAT_EXTENSIBLE, any channel count
 * (averaged to mono).
 *
 * <p>Every size in the header is checked against the bytes actually present, so a lying header costs at most
 * the memory the upload itself justifies: a declared data size larger than the file is refused as truncated,
 * except the streaming placeholders 0 and 0xFFFFFFFF, which mean "to the end of the file". Malformed headers
 * are 400 with the field named; well-formed files in a codec not decoded here (ADPCM, GSM, ...) are reported by
 * {@link Header#supported()} so the caller can hand them to ffmpeg or answer 415.
 */
public final class WavDecoder {

  public static final int MIN_RATE = 1000;
  public static final int MAX_RATE = 384_000;
  public static final int MAX_CHANNELS = 32;

  private static final int PCM = 1;
  private static final int FLOAT = 3;
  private static final int ALAW = 6;
  private static final int MULAW = 7;
  private static final int EXTENSIBLE = 0xFFFE;

  /**
   * The parsed header. {@code formatTag} is the effective format (the sub-format of an extensible file);
   * {@code dataOffset}/{@code dataBytes} delimit the samples within the file.
   */
  public record Header(int formatTag, int channels, int sampleRate, int bitsPerSample, int dataOffset, long dataBytes) {

    public int bytesPerFrame() {
      return channels * (bitsPerSample / 8);
    }

    public long frames() {
      return dataBytes / bytesPerFrame();
    }

    public double durationSeconds() {
      return (double) frames() / sampleRate;
    }

    /** True when {@link WavDecoder#decode} can decode this format. */
    public boolean supported() {
      return switch (formatTag) {
        case PCM -> bitsPerSample == 8 || bitsPerSample == 16 || bitsPerSample == 24 || bitsPerSample == 32;
        case FLOAT -> bitsPerSample == 32 || bitsPerSample == 64;
        case ALAW, MULAW -> bitsPerSample == 8;
        default -> false;
      };
    }

    public String formatName() {
      return switch (formatTag) {
        case PCM -> bitsPerSample + "-bit PCM";
        case FLOAT -> bitsPerSample + "-bit float";
        case ALAW -> "A-law";
        case MULAW -> "μ-law";
        case 2 -> "MS ADPCM";
        case 0x11 -> "IMA ADPCM";
        case 0x31 -> "GSM 6.10";
        case 0x55 -> "MP3-in-WAV";
        default -> "format 0x" + Integer.toHexString(formatTag);
      };
    }
  }

  private WavDecoder() {
  }

  /** Parses and validates the header of a file {@link Container#sniff} found to be WAV. */
  public static Header parse(byte[] b) {
    int pos = 12;
    int fmtAt = -1;
    int fmtSize = 0;
    int dataAt = -1;
    long dataSize = 0;
    while (pos + 8 <= b.length && dataAt < 0) {
      String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
      long size = u32(b, pos + 4, "chunk header");
      int body = pos + 8;
      if (id.equals("data")) {
        dataAt = body;
        dataSize = size;
      } else {
        if (size > b.length - body) {
          throw invalid("the WAV '" + id.trim() + "' chunk declares " + size + " bytes but only " + (b.length - body)
            + " remain: the file is truncated or corrupt");
        }
        if (id.equals("fmt ")) {
          fmtAt = body;
          fmtSize = (int) size;
        }
        pos = body + (int) size + (int) (size & 1);
      }
    }
    if (fmtAt < 0) {
      throw invalid("the WAV file has no 'fmt ' chunk before its audio" + (dataAt < 0 ? " (and no 'data' chunk)" : ""));
    }
    if (dataAt < 0) {
      throw invalid("the WAV file has no 'data' chunk: it holds no audio or is truncated");
    }
    Header h = format(b, fmtAt, fmtSize, dataAt, dataBytes(b, dataAt, dataSize));
    if (h.supported() && h.frames() == 0) {
      throw invalid("the WAV file holds no audio samples");
    }
    return h;
  }

  private static long dataBytes(byte[] b, int dataAt, long declared) {
    long remaining = b.length - dataAt;
    if (declared == 0 || declared == 0xFFFFFFFFL) {
      // Streaming writers leave the size open; the data runs to the end of the file.
      return remaining;
    }
    if (declared > remaining) {
      throw invalid("the WAV data chunk declares " + declared + " bytes but the file holds only " + remaining
        + " after the header: the file is truncated");
    }
    return declared;
  }

  private static Header format(byte[] b, int at, int size, int dataAt, long dataBytes) {
    if (size < 16) {
      throw invalid("the WAV 'fmt ' chunk is " + size + " bytes, shorter than the 16 a format needs");
    }
    int tag = u16(b, at);
    int channels = u16(b, at + 2);
    long rate = u32(b, at + 4, "fmt chunk");
    int bits = u16(b, at + 14);
    if (tag == EXTENSIBLE) {
      if (size < 40 || u16(b, at + 16) < 22) {
        throw invalid("the WAV header says WAVE_FORMAT_EXTENSIBLE but its 'fmt ' chunk has no sub-format");
      }
      tag = u16(b, at + 24);
    }
    if (channels == 0) {
      throw invalid("the WAV header says the audio has 0 channels");
    }
    if (channels > MAX_CHANNELS) {
      throw invalid("the WAV header says the audio has " + channels + " channels (at most " + MAX_CHANNELS + " supported)");
    }
    if (rate < MIN_RATE || rate > MAX_RATE) {
      throw invalid("the WAV header's sample rate " + rate + " Hz is out of range (" + MIN_RATE + " to " + MAX_RATE + " Hz)");
    }
    if (bits == 0 || bits % 8 != 0 || bits > 64) {
      throw invalid("the WAV header's " + bits + " bits per sample is not a whole number of bytes between 8 and 64");
    }
    return new Header(tag, channels, (int) rate, bits, dataAt, dataBytes);
  }

  /** Decodes the samples of a {@link Header#supported() supported} file, averaging the channels to mono. */
  public static PcmAudio decode(byte[] b, Header h) {
    if (!h.supported()) {
      throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "WAV audio in " + h.formatName() + " is not supported", "file");
    }
    long frames64 = h.frames();
    if (frames64 > Integer.MAX_VALUE - 8) {
      throw new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, "the WAV file holds too many samples (" + frames64 + ")", "file");
    }
    int frames = (int) frames64;
    int ch = h.channels();
    int width = h.bitsPerSample() / 8;
    float[] out = new float[frames];
    float gain = 1f / ch;
    int pos = h.dataOffset();
    for (int i = 0; i < frames; i++) {
      float sum = 0;
      for (int c = 0; c < ch; c++) {
        sum += sample(b, pos, h.formatTag(), width);
        pos += width;
      }
      out[i] = sum * gain;
    }
    return new PcmAudio(out, h.sampleRate());
  }

  private static float sample(byte[] b, int p, int tag, int width) {
    return switch (tag) {
      case ALAW -> G711.decodeAlaw(b[p]);
      case MULAW -> G711.decodeMulaw(b[p]);
      case FLOAT -> width == 4 ? finite(Float.intBitsToFloat(s32(b, p))) : finite((float) Double.longBitsToDouble(s64(b, p)));
      default -> switch (width) {
        case 1 -> ((b[p] & 0xFF) - 128) / 128f;
        case 2 -> (short) ((b[p] & 0xFF) | (b[p + 1] << 8)) / 32768f;
        case 3 -> ((b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] << 16)) / 8388608f;
        default -> s32(b, p) / 2147483648f;
      };
    };
  }

  /** Float WAVs may carry NaN or infinities; they would poison every later computation. */
  private static float finite(float v) {
    return Float.isFinite(v) ? Math.max(-1f, Math.min(1f, v)) : 0f;
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
  }

  private static int s32(byte[] b, int p) {
    return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | ((b[p + 2] & 0xFF) << 16) | (b[p + 3] << 24);
  }

  private static long s64(byte[] b, int p) {
    return (s32(b, p) & 0xFFFFFFFFL) | ((long) s32(b, p + 4) << 32);
  }

  private static long u32(byte[] b, int p, String where) {
    if (p + 4 > b.length) {
      throw invalid("the WAV file ends inside its " + where + ": it is truncated");
    }
    return s32(b, p) & 0xFFFFFFFFL;
  }

  private static MeshException invalid(String message) {
    return new MeshException(ErrorCode.INVALID_REQUEST, message, "file");
  }
}
