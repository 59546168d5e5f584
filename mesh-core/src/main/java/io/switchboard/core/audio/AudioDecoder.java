package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * Turns an uploaded audio file into mono float samples at the rate a model wants. The container is sniffed from
 * the bytes ({@link Container}); WAV and .au are decoded here in pure Java, compressed formats by
 * {@link FfmpegDecoder}; headerless μ-law/A-law (telephony) is recognised from the content type or file name,
 * since raw samples have no magic. Then {@link Resampler} brings the audio to the target rate.
 *
 * <p>Failures are {@link MeshException}s naming the problem: 400 for broken files, 413 beyond
 * {@code maxSeconds}, 415 for formats that cannot be decoded here. Blocking (ffmpeg): call it off the event loop.
 */
public final class AudioDecoder {

  /** Content types of headerless 8 kHz μ-law. */
  public static final Set<String> MULAW_TYPES = Set.of("audio/basic", "audio/x-mulaw", "audio/mulaw", "audio/pcmu", "audio/x-ulaw",
    "audio/ulaw");
  /** Content types of headerless 8 kHz A-law. */
  public static final Set<String> ALAW_TYPES = Set.of("audio/x-alaw", "audio/alaw", "audio/pcma");
  private static final Set<String> MULAW_EXTENSIONS = Set.of("ulaw", "mulaw", "ul", "mu");
  private static final Set<String> ALAW_EXTENSIONS = Set.of("alaw", "al");
  private static final int TELEPHONY_RATE = 8000;

  private final FfmpegDecoder ffmpeg;

  /** @param ffmpeg the decoder for compressed formats */
  public AudioDecoder(FfmpegDecoder ffmpeg) {
    this.ffmpeg = ffmpeg;
  }

  /**
   * Decodes {@code bytes} to mono at {@code targetRate} Hz.
   *
   * @param contentType the upload's declared type, or null (only consulted for headerless audio)
   * @param filename    the upload's file name, or null (likewise)
   * @param maxSeconds  longer audio is refused with 413, checked before the samples are allocated where the
   *                    header allows
   */
  public PcmAudio decode(byte[] bytes, String contentType, String filename, int targetRate, double maxSeconds) {
    if (bytes == null || bytes.length == 0) {
      throw invalid("the audio file is empty (0 bytes)");
    }
    Container container = Container.sniff(bytes);
    PcmAudio audio = switch (container) {
      case WAV -> wav(bytes, targetRate, maxSeconds);
      case AU -> AuDecoder.decode(bytes);
      case UNKNOWN -> headerless(bytes, contentType, filename, maxSeconds);
      default -> ffmpeg.decode(bytes, container, targetRate, maxSeconds);
    };
    return checkLength(audio, maxSeconds, container).resampledTo(targetRate);
  }

  private PcmAudio wav(byte[] bytes, int targetRate, double maxSeconds) {
    WavDecoder.Header header = WavDecoder.parse(bytes);
    if (header.supported()) {
      if (header.durationSeconds() > maxSeconds) {
        throw tooLong(Container.WAV, header.durationSeconds(), maxSeconds);
      }
      return WavDecoder.decode(bytes, header);
    }
    // A codec the pure-Java reader does not know (ADPCM, GSM, ...): ffmpeg reads WAV with any codec it has.
    try {
      return ffmpeg.decode(bytes, Container.WAV, targetRate, maxSeconds);
    } catch (MeshException e) {
      if (e.errorCode() == ErrorCode.UNSUPPORTED_MEDIA) {
        throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "WAV audio in " + header.formatName()
          + " needs ffmpeg, which is not installed on this host (send PCM, float, μ-law or A-law WAV)", "file");
      }
      throw e;
    }
  }

  private static PcmAudio headerless(byte[] bytes, String contentType, String filename, double maxSeconds) {
    String type = mediaType(contentType);
    String ext = extension(filename);
    boolean mulaw = MULAW_TYPES.contains(type) || MULAW_EXTENSIONS.contains(ext);
    boolean alaw = ALAW_TYPES.contains(type) || ALAW_EXTENSIONS.contains(ext);
    if (!mulaw && !alaw) {
      throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "unrecognised audio format (" + describe(bytes)
        + "): send WAV, MP3, M4A, Ogg/Opus, WebM or FLAC, or headerless 8 kHz μ-law as audio/basic", "file");
    }
    int rate = rateParameter(contentType);
    double seconds = (double) bytes.length / rate;
    if (seconds > maxSeconds) {
      throw tooLong(Container.UNKNOWN, seconds, maxSeconds);
    }
    float[] out = new float[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = mulaw ? G711.decodeMulaw(bytes[i]) : G711.decodeAlaw(bytes[i]);
    }
    return new PcmAudio(out, rate);
  }

  private static PcmAudio checkLength(PcmAudio audio, double maxSeconds, Container container) {
    if (audio.durationSeconds() > maxSeconds) {
      throw tooLong(container, audio.durationSeconds(), maxSeconds);
    }
    return audio;
  }

  /** {@code audio/basic; rate=16000} names the rate of headerless audio; 8 kHz otherwise. */
  private static int rateParameter(String contentType) {
    if (contentType != null) {
      for (String part : contentType.split(";")) {
        String p = part.trim().toLowerCase(Locale.ROOT);
        if (p.startsWith("rate=")) {
          try {
            int rate = Integer.parseInt(p.substring(5).trim());
            if (rate >= WavDecoder.MIN_RATE && rate <= WavDecoder.MAX_RATE) {
              return rate;
            }
          } catch (NumberFormatException e) {
            // fall through to the error below
          }
          throw new MeshException(ErrorCode.INVALID_REQUEST, "content type parameter '" + part.trim()
            + "' is not a sample rate between " + WavDecoder.MIN_RATE + " and " + WavDecoder.MAX_RATE, "file");
        }
      }
    }
    return TELEPHONY_RATE;
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  private static String extension(String filename) {
    if (filename == null) {
      return "";
    }
    int dot = filename.lastIndexOf('.');
    return dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** A short, safe description of unknown bytes: text is said to be text, anything else shown as its first bytes. */
  private static String describe(byte[] b) {
    int n = Math.min(b.length, 8);
    boolean text = true;
    for (int i = 0; i < n; i++) {
      int c = b[i] & 0xFF;
      text &= c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F);
    }
    String head = HexFormat.ofDelimiter(" ").formatHex(b, 0, n);
    return (text ? "looks like text; " : "") + "first bytes " + head;
  }

  private static MeshException tooLong(Container c, double seconds, double maxSeconds) {
    String what = c == Container.UNKNOWN ? "the audio" : "the " + c.label() + " audio";
    return new MeshException(ErrorCode.PAYLOAD_TOO_LARGE, String.format(Locale.ROOT, "%s lasts %.1f s, longer than the %s s this"
      + " backend accepts", what, seconds, FfmpegDecoder.formatSeconds(maxSeconds)), "file");
  }

  private static MeshException invalid(String message) {
    return new MeshException(ErrorCode.INVALID_REQUEST, message, "file");
  }
}
