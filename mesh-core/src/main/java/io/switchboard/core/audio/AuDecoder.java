package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;

/**
 * Reads Sun/NeXT {@code .au} files, which is what {@code audio/basic} often carries in practice (a 24-byte
 * big-endian header before μ-law samples). Encodings: μ-law, A-law, 8/16/24/32-bit PCM, 32/64-bit float.
 * Sizes are checked against the bytes present, like {@link WavDecoder}.
 */
public final class AuDecoder {

  private AuDecoder() {
  }

  public static PcmAudio decode(byte[] b) {
    if (b.length < 24) {
      throw invalid("the .au file is " + b.length + " bytes, shorter than its 24-byte header");
    }
    long offset = u32(b, 4);
    long declared = u32(b, 8);
    int encoding = (int) u32(b, 12);
    long rate = u32(b, 16);
    long channels = u32(b, 20);
    if (offset < 24 || offset > b.length) {
      throw invalid("the .au header puts the audio at byte " + offset + " of a " + b.length + "-byte file");
    }
    if (channels == 0 || channels > WavDecoder.MAX_CHANNELS) {
      throw invalid("the .au header says the audio has " + channels + " channels");
    }
    if (rate < WavDecoder.MIN_RATE || rate > WavDecoder.MAX_RATE) {
      throw invalid("the .au header's sample rate " + rate + " Hz is out of range (" + WavDecoder.MIN_RATE + " to "
        + WavDecoder.MAX_RATE + " Hz)");
    }
    int width = switch (encoding) {
      case 1, 2, 27 -> 1;
      case 3 -> 2;
      case 4 -> 3;
      case 5, 6 -> 4;
      case 7 -> 8;
      default -> throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, ".au encoding " + encoding + " is not supported", "file");
    };
    long remaining = b.length - offset;
    if (declared != 0xFFFFFFFFL && declared > remaining) {
      throw invalid("the .au header declares " + declared + " bytes of audio but the file holds only " + remaining
        + ": the file is truncated");
    }
    long bytes = declared == 0xFFFFFFFFL ? remaining : declared;
    int ch = (int) channels;
    long frames = bytes / ((long) width * ch);
    if (frames == 0) {
      throw invalid("the .au file holds no audio samples");
    }
    float[] out = new float[(int) Math.min(frames, Integer.MAX_VALUE - 8)];
    int pos = (int) offset;
    for (int i = 0; i < out.length; i++) {
      float sum = 0;
      for (int c = 0; c < ch; c++) {
        sum += sample(b, pos, encoding);
        pos += width;
      }
      out[i] = sum / ch;
    }
    return new PcmAudio(out, (int) rate);
  }

  private static float sample(byte[] b, int p, int encoding) {
    return switch (encoding) {
      case 1 -> G711.decodeMulaw(b[p]);
      case 27 -> G711.decodeAlaw(b[p]);
      case 2 -> b[p] / 128f;
      case 3 -> (short) (((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF)) / 32768f;
      case 4 -> ((b[p] << 16) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] & 0xFF)) / 8388608f;
      case 5 -> (int) u32(b, p) / 2147483648f;
      case 6 -> finite(Float.intBitsToFloat((int) u32(b, p)));
      default -> finite((float) Double.longBitsToDouble((u32(b, p) << 32) | u32(b, p + 4)));
    };
  }

  private static float finite(float v) {
    return Float.isFinite(v) ? Math.max(-1f, Math.min(1f, v)) : 0f;
  }

  private static long u32(byte[] b, int p) {
    return ((b[p] & 0xFFL) << 24) | ((b[p + 1] & 0xFFL) << 16) | ((b[p + 2] & 0xFFL) << 8) | (b[p + 3] & 0xFFL);
  }

  private static MeshException invalid(String message) {
    return new MeshException(ErrorCode.INVALID_REQUEST, message, "file");
  }
}
