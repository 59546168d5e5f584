package io.switchboard.core.audio;

import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes RIFF/WAVE files. The common case, 16-bit PCM mono, is one call; {@link #encode} writes every form the
 * {@link WavDecoder} reads (tests use it to build their fixtures; the telephony path uses μ-law).
 *
 * <p>Stable API (used by ASR and TTS):
 * <ul>
 *   <li>{@code public static byte[] pcm16(float[] mono, int sampleRate)}: a complete 16-bit PCM mono WAV;</li>
 *   <li>{@code public static Buffer pcm16Buffer(float[] mono, int sampleRate)}: the same as a Vert.x buffer;</li>
 *   <li>{@code public static byte[] pcm16Header(int sampleRate, int channels, long dataBytes)}: the 44-byte header
 *       alone, for streaming; a negative {@code dataBytes} writes the 0xFFFFFFFF "length unknown" placeholder that
 *       players and {@link WavDecoder} read as "to the end of the stream";</li>
 *   <li>{@code public static byte[] pcm16Samples(float[] mono)}: the little-endian sample bytes alone.</li>
 * </ul>
 * Samples are clipped to [-1, 1] and rounded to the nearest 16-bit value.
 */
public final class WavWriter {

  /** Sample encodings {@link #encode} can write. */
  public enum Encoding {
    PCM_U8(1, 8), PCM_16(1, 16), PCM_24(1, 24), PCM_32(1, 32), FLOAT_32(3, 32), FLOAT_64(3, 64), ALAW(6, 8), MULAW(7, 8);

    final int formatTag;
    final int bits;

    Encoding(int formatTag, int bits) {
      this.formatTag = formatTag;
      this.bits = bits;
    }
  }

  private static final byte[] SUBFORMAT_TAIL = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00,
    0x38, (byte) 0x9B, 0x71};

  private WavWriter() {
  }

  public static byte[] pcm16(float[] mono, int sampleRate) {
    return encode(new float[][]{mono}, sampleRate, Encoding.PCM_16, false);
  }

  public static Buffer pcm16Buffer(float[] mono, int sampleRate) {
    return Buffer.buffer(pcm16(mono, sampleRate));
  }

  public static byte[] pcm16Header(int sampleRate, int channels, long dataBytes) {
    ByteBuffer b = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    long riffSize = dataBytes < 0 ? 0xFFFFFFFFL : Math.min(0xFFFFFFFFL, dataBytes + 36);
    long dataSize = dataBytes < 0 ? 0xFFFFFFFFL : Math.min(0xFFFFFFFFL, dataBytes);
    b.put(ascii("RIFF")).putInt((int) riffSize).put(ascii("WAVE"));
    putFmt(b, 1, channels, sampleRate, 16, false);
    b.put(ascii("data")).putInt((int) dataSize);
    return b.array();
  }

  public static byte[] pcm16Samples(float[] mono) {
    ByteBuffer b = ByteBuffer.allocate(mono.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float s : mono) {
      b.putShort((short) Math.round(clip(s) * 32767f));
    }
    return b.array();
  }

  /**
   * A WAV of {@code channels.length} channels (all the same length) in {@code encoding}; with {@code extensible}
   * the header is WAVE_FORMAT_EXTENSIBLE (format 0xFFFE with the real format in the sub-format GUID).
   */
  public static byte[] encode(float[][] channels, int sampleRate, Encoding encoding, boolean extensible) {
    int ch = channels.length;
    int frames = ch == 0 ? 0 : channels[0].length;
    int bytesPerSample = encoding.bits / 8;
    long dataBytes = (long) frames * ch * bytesPerSample;
    int fmtSize = extensible ? 40 : (encoding.formatTag == 1 ? 16 : 18);
    long total = 12 + 8 + fmtSize + 8 + dataBytes + (dataBytes & 1);
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("WAV too large: " + total + " bytes");
    }
    ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii("RIFF")).putInt((int) (total - 8)).put(ascii("WAVE"));
    putFmt(b, encoding.formatTag, ch, sampleRate, encoding.bits, extensible);
    b.put(ascii("data")).putInt((int) dataBytes);
    for (int i = 0; i < frames; i++) {
      for (float[] channel : channels) {
        putSample(b, encoding, clip(channel[i]));
      }
    }
    return b.array();
  }

  private static void putFmt(ByteBuffer b, int formatTag, int channels, int sampleRate, int bits, boolean extensible) {
    int blockAlign = channels * bits / 8;
    int fmtSize = extensible ? 40 : (formatTag == 1 ? 16 : 18);
    b.put(ascii("fmt ")).putInt(fmtSize)
      .putShort((short) (extensible ? 0xFFFE : formatTag))
      .putShort((short) channels)
      .putInt(sampleRate)
      .putInt(sampleRate * blockAlign)
      .putShort((short) blockAlign)
      .putShort((short) bits);
    if (extensible) {
      b.putShort((short) 22).putShort((short) bits).putInt(channels == 2 ? 0x3 : channels == 1 ? 0x4 : 0)
        .putShort((short) formatTag).put(SUBFORMAT_TAIL);
    } else if (fmtSize == 18) {
      b.putShort((short) 0);
    }
  }

  private static void putSample(ByteBuffer b, Encoding encoding, float s) {
    switch (encoding) {
      case PCM_U8 -> b.put((byte) (Math.round(s * 127f) + 128));
      case PCM_16 -> b.putShort((short) Math.round(s * 32767f));
      case PCM_24 -> {
        int v = Math.round(s * 8388607f);
        b.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
      }
      case PCM_32 -> b.putInt((int) Math.round(s * 2147483647d));
      case FLOAT_32 -> b.putFloat(s);
      case FLOAT_64 -> b.putDouble(s);
      case ALAW -> b.put(G711.encodeAlaw(s));
      case MULAW -> b.put(G711.encodeMulaw(s));
    }
  }

  private static float clip(float s) {
    return Float.isNaN(s) ? 0f : Math.max(-1f, Math.min(1f, s));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
