package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.WavWriter.Encoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavDecoderTest {

  /** Every encoding x plain/extensible x channel layouts x a spread of rates. */
  static Stream<Arguments> forms() {
    List<Arguments> out = new ArrayList<>();
    int[] rates = {8000, 11025, 16000, 22050, 44100, 48000, 96000};
    int i = 0;
    for (Encoding e : Encoding.values()) {
      for (boolean ext : new boolean[]{false, true}) {
        for (int channels : new int[]{1, 2, 6}) {
          out.add(Arguments.of(e, ext, channels, rates[i++ % rates.length]));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} extensible={1} channels={2} rate={3}")
  @MethodSource("forms")
  void decodesEveryFormToTheExpectedMonoSamples(Encoding encoding, boolean extensible, int channels, int rate) {
    int frames = 500;
    float[][] data = new float[channels][frames];
    float[] expected = new float[frames];
    Random r = new Random(42);
    for (int i = 0; i < frames; i++) {
      for (int c = 0; c < channels; c++) {
        data[c][i] = (float) (r.nextDouble() * 1.6 - 0.8);
        expected[i] += data[c][i] / channels;
      }
    }
    byte[] wav = WavWriter.encode(data, rate, encoding, extensible);
    WavDecoder.Header h = WavDecoder.parse(wav);
    assertEquals(channels, h.channels());
    assertEquals(rate, h.sampleRate());
    assertEquals(frames, h.frames());
    PcmAudio audio = WavDecoder.decode(wav, h);
    assertEquals(rate, audio.sampleRate());
    double tolerance = switch (encoding) {
      case PCM_U8 -> 1.0 / 100;
      case ALAW, MULAW -> 0.8 * 0.035; // companding: the step grows to about 3 % of full scale near the top
      case PCM_16 -> 1e-4;
      default -> 1e-6;
    };
    for (int i = 0; i < frames; i++) {
      assertEquals(expected[i], audio.samples()[i], tolerance, "sample " + i);
    }
  }

  @Test
  void handBuiltFilesDecodeToKnownValues() {
    // 16-bit stereo: L = 16384 (0.5), R = 0 -> mono 0.25; L = -32768 (-1), R = -32768 -> -1
    assertSamples(wav(1, 2, 8000, 16, "0040 0000 0080 0080"), 0.25f, -1f);
    // 8-bit is unsigned: 0x80 is silence, 0x00 the negative peak
    assertSamples(wav(1, 1, 8000, 8, "80 00 c0"), 0f, -1f, 0.5f);
    // 24-bit little-endian: 0x400000 = 0.5, 0xC00000 = -0.5
    assertSamples(wav(1, 1, 8000, 24, "000040 0000c0"), 0.5f, -0.5f);
    // 32-bit integer: 0x40000000 = 0.5
    assertSamples(wav(1, 1, 8000, 32, "00000040"), 0.5f);
    // 32-bit float 0.25 = 0x3E800000
    assertSamples(wav(3, 1, 8000, 32, "0000803e"), 0.25f);
    // μ-law 0xFF and 0x7F are the two zeros; 0x80 is +32124, 0x00 is -32124
    assertSamples(wav(7, 1, 8000, 8, "ff 80 00"), 0f, 32124 / 32768f, -32124 / 32768f);
    // A-law 0xD5 = +8, 0x55 = -8, 0xAA = +32256
    assertSamples(wav(6, 1, 8000, 8, "d5 55 aa"), 8 / 32768f, -8 / 32768f, 32256 / 32768f);
  }

  @Test
  void g711EncodersMatchTheStandardCodes() {
    assertEquals((byte) 0xFF, G711.encodeMulaw(0f));
    assertEquals((byte) 0x80, G711.encodeMulaw(1f));
    assertEquals((byte) 0x00, G711.encodeMulaw(-1f));
    assertEquals((byte) 0xD5, G711.encodeAlaw(0f));
    assertEquals((byte) 0xAA, G711.encodeAlaw(1f));
    assertEquals((byte) 0x2A, G711.encodeAlaw(-1f));
    for (int code = 0; code < 256; code++) {
      byte b = (byte) code;
      if (code != 0x7F) { // μ-law has two zeros; 0x7F ("-0") re-encodes as 0xFF
        assertEquals(b, G711.encodeMulaw(G711.decodeMulaw(b)), "μ-law code " + code);
      }
      assertEquals(b, G711.encodeAlaw(G711.decodeAlaw(b)), "A-law code " + code);
    }
  }

  @Test
  void chunksBeforeTheDataAndStreamingSizesAreHandled() {
    byte[] base = wav(1, 1, 16000, 16, "0040 00c0");
    // a LIST chunk (odd length, padded) between fmt and data
    ByteBuffer b = ByteBuffer.allocate(base.length + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put(base, 0, 36).put("LIST".getBytes()).putInt(3).put(new byte[]{1, 2, 3, 0}).put(base, 36, base.length - 36);
    assertSamples(b.array(), 0.5f, -0.5f);
    // data size 0xFFFFFFFF, as streaming writers leave it: read to the end
    byte[] streaming = base.clone();
    ByteBuffer.wrap(streaming).order(ByteOrder.LITTLE_ENDIAN).putInt(40, -1);
    assertSamples(streaming, 0.5f, -0.5f);
  }

  @Test
  void writerHeaderAndSamplesAddUpToTheWholeFile() {
    float[] mono = Signals.tone(300, 16000, 0.1, 0.5);
    byte[] whole = WavWriter.pcm16(mono, 16000);
    byte[] samples = WavWriter.pcm16Samples(mono);
    byte[] header = WavWriter.pcm16Header(16000, 1, samples.length);
    assertEquals(44, header.length);
    byte[] joined = java.util.Arrays.copyOf(header, header.length + samples.length);
    System.arraycopy(samples, 0, joined, header.length, samples.length);
    org.junit.jupiter.api.Assertions.assertArrayEquals(whole, joined);
    assertEquals(whole.length, WavWriter.pcm16Buffer(mono, 16000).length());
    // A streamed file whose length was unknown when the header left: read to the end.
    byte[] streamed = java.util.Arrays.copyOf(WavWriter.pcm16Header(16000, 1, -1), 44 + samples.length);
    System.arraycopy(samples, 0, streamed, 44, samples.length);
    assertEquals(mono.length, WavDecoder.decode(streamed, WavDecoder.parse(streamed)).samples().length);
  }

  static Stream<Arguments> badFiles() {
    byte[] good = wav(1, 1, 16000, 16, "0040 00c0 0040 00c0");
    return Stream.of(
      Arguments.of("header only", HexFormat.of().parseHex("52494646040000005741564500"), ErrorCode.INVALID_REQUEST, "no 'fmt ' chunk"),
      Arguments.of("cut inside fmt", java.util.Arrays.copyOf(good, 30), ErrorCode.INVALID_REQUEST, "truncated"),
      Arguments.of("no data chunk", java.util.Arrays.copyOf(good, 36), ErrorCode.INVALID_REQUEST, "no 'data' chunk"),
      Arguments.of("0 channels", patch16(good, 22, 0), ErrorCode.INVALID_REQUEST, "0 channels"),
      Arguments.of("1000 channels", patch16(good, 22, 1000), ErrorCode.INVALID_REQUEST, "1000 channels"),
      Arguments.of("0 Hz", patch32(good, 24, 0), ErrorCode.INVALID_REQUEST, "sample rate 0 Hz"),
      Arguments.of("10^9 Hz", patch32(good, 24, 1_000_000_000), ErrorCode.INVALID_REQUEST, "sample rate 1000000000 Hz"),
      Arguments.of("bits 13", patch16(good, 34, 13), ErrorCode.INVALID_REQUEST, "13 bits per sample"),
      Arguments.of("bits 0", patch16(good, 34, 0), ErrorCode.INVALID_REQUEST, "0 bits per sample"),
      Arguments.of("data larger than file", patch32(good, 40, 1 << 30), ErrorCode.INVALID_REQUEST, "truncated"),
      Arguments.of("fmt larger than file", patch32(good, 16, 1 << 30), ErrorCode.INVALID_REQUEST, "truncated"),
      Arguments.of("fmt too short", HexFormat.of().parseHex("52494646180000005741564566" + "6d74200400000001000100" + "6461746104000000004000c0"),
        ErrorCode.INVALID_REQUEST, "'fmt ' chunk is 4 bytes"),
      Arguments.of("no samples", patch32(java.util.Arrays.copyOf(good, 44), 40, 0), ErrorCode.INVALID_REQUEST, "no audio samples"),
      Arguments.of("extensible without sub-format", patch16(good, 20, 0xFFFE), ErrorCode.INVALID_REQUEST, "sub-format"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void badHeadersAreRefusedWithTheProblemNamed(String name, byte[] file, ErrorCode code, String message) {
    MeshException e = assertThrows(MeshException.class, () -> WavDecoder.decode(file, WavDecoder.parse(file)));
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(message), "message '" + e.getMessage() + "' should mention '" + message + "'");
    assertEquals("file", e.param());
  }

  @Test
  void foreignCodecsAreRecognisedAsUnsupportedRatherThanMisread() {
    WavDecoder.Header h = WavDecoder.parse(patch16(wav(1, 1, 8000, 16, "0000 0000"), 20, 2));
    assertFalse(h.supported());
    assertEquals("MS ADPCM", h.formatName());
    MeshException e = assertThrows(MeshException.class, () -> WavDecoder.decode(new byte[0], h));
    assertEquals(ErrorCode.UNSUPPORTED_MEDIA, e.errorCode());
  }

  @Test
  void randomCorruptionNeverEscapesAsAnythingButAMeshException() {
    float[][] data = {Signals.tone(440, 8000, 0.05, 0.5), Signals.tone(660, 8000, 0.05, 0.5)};
    byte[] good = WavWriter.encode(data, 8000, Encoding.PCM_16, true);
    Random r = new Random(7);
    int decoded = 0;
    for (int round = 0; round < 3000; round++) {
      byte[] bad = round % 2 == 0 ? good.clone() : java.util.Arrays.copyOf(good, 12 + r.nextInt(good.length - 12));
      int flips = 1 + r.nextInt(4);
      for (int f = 0; f < flips; f++) {
        bad[12 + r.nextInt(Math.min(60, bad.length - 12))] = (byte) r.nextInt(256);
      }
      try {
        WavDecoder.Header h = WavDecoder.parse(bad);
        if (h.supported()) {
          assertTrue(WavDecoder.decode(bad, h).samples().length <= bad.length);
          decoded++;
        }
      } catch (MeshException e) {
        assertTrue(e.errorCode() == ErrorCode.INVALID_REQUEST || e.errorCode() == ErrorCode.UNSUPPORTED_MEDIA, e.toString());
      }
    }
    assertTrue(decoded > 0, "some mutations leave a readable file");
  }

  // ---- helpers

  static byte[] wav(int format, int channels, int rate, int bits, String hexData) {
    byte[] data = HexFormat.of().parseHex(hexData.replace(" ", ""));
    int fmtSize = format == 1 ? 16 : 18;
    ByteBuffer b = ByteBuffer.allocate(12 + 8 + fmtSize + 8 + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(fmtSize).putShort((short) format).putShort((short) channels).putInt(rate)
      .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
    if (fmtSize == 18) {
      b.putShort((short) 0);
    }
    b.put("data".getBytes()).putInt(data.length).put(data);
    return b.array();
  }

  private static void assertSamples(byte[] wav, float... expected) {
    float[] got = WavDecoder.decode(wav, WavDecoder.parse(wav)).samples();
    assertEquals(expected.length, got.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], got[i], 1e-6, "sample " + i);
    }
  }

  static byte[] patch16(byte[] src, int at, int v) {
    byte[] b = src.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    return b;
  }

  static byte[] patch32(byte[] src, int at, int v) {
    byte[] b = src.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    return b;
  }
}
