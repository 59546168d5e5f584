package io.switchboard.tts.local;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavDecoder;

import java.nio.charset.StandardCharsets;

/**
 * Reads an engine's WAV output with the shared {@link WavDecoder}. espeak-ng writes its stream to stdout before
 * it knows the length, with a made-up data size (0x7FFFF000) the decoder would take for a truncated file; such
 * a size is rewritten to the standard "to the end" placeholder first. An engine that rendered nothing (text of
 * silent symbols) yields empty audio rather than an error.
 */
final class EngineWav {

  private static final long TO_THE_END = 0xFFFFFFFFL;

  private EngineWav() {
  }

  static PcmAudio decode(byte[] wav, String engine) {
    try {
      int rate = openSizes(wav);
      if (rate > 0) {
        return new PcmAudio(new float[0], rate);
      }
      return WavDecoder.decode(wav, WavDecoder.parse(wav));
    } catch (MeshException e) {
      throw new MeshException(ErrorCode.INTERNAL, engine + " produced audio that cannot be read: " + e.getMessage());
    }
  }

  /**
   * Walks the chunks; a data size beyond the end of the bytes becomes "to the end". Returns the sample rate when
   * the data chunk is empty, else 0.
   */
  private static int openSizes(byte[] b) {
    int pos = 12;
    int rate = 0;
    while (pos + 8 <= b.length) {
      String id = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
      long size = u32(b, pos + 4);
      int body = pos + 8;
      if (id.equals("fmt ") && body + 8 <= b.length) {
        rate = (int) u32(b, body + 4);
      }
      if (id.equals("data")) {
        if (size > b.length - body) {
          putU32(b, pos + 4, TO_THE_END);
        }
        return b.length - body < 2 ? rate : 0;
      }
      pos = body + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - body);
    }
    return 0;
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16 | (b[p + 3] & 0xFFL) << 24;
  }

  private static void putU32(byte[] b, int p, long v) {
    for (int i = 0; i < 4; i++) {
      b[p + i] = (byte) (v >> (8 * i));
    }
  }
}
