package io.switchboard.core.audio;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.WavWriter.Encoding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoding front door: sniffing, headerless telephony audio, limits, and the ffmpeg path (needs ffmpeg installed). */
class AudioDecoderTest {

  private static final AudioDecoder DECODER = new AudioDecoder(new FfmpegDecoder("ffmpeg", 20_000));
  private static final AudioDecoder NO_FFMPEG = new AudioDecoder(new FfmpegDecoder("/nonexistent/ffmpeg", 20_000));

  @TempDir
  static Path dir;
  private static float[] voice;
  private static byte[] wav16k;

  @BeforeAll
  static void signal() {
    // A one-second "voice": two tones under an envelope, so lossy codecs have something realistic to keep.
    voice = new float[16000];
    for (int i = 0; i < voice.length; i++) {
      double env = Math.sin(Math.PI * i / voice.length);
      voice[i] = (float) (env * (0.4 * Math.sin(2 * Math.PI * 300 * i / 16000) + 0.2 * Math.sin(2 * Math.PI * 1200 * i / 16000)));
    }
    wav16k = WavWriter.pcm16(voice, 16000);
  }

  @ParameterizedTest
  @CsvSource({
    "52494646000000005741564500000000, WAV", "2e736e6400000018, AU", "49443303000000000000, MP3", "fffb9064000000, MP3",
    "fff15080, AAC", "4f67675300020000, OGG", "664c614300000022, FLAC", "0000002066747970, MP4", "1a45dfa39f428681, WEBM",
    "464f524d000000004149464600, AIFF", "fffff064, UNKNOWN", "3c68746d6c3e, UNKNOWN", "00, UNKNOWN"})
  void sniffsTheContainerFromMagicBytes(String hex, Container expected) {
    assertEquals(expected, Container.sniff(HexFormat.of().parseHex(hex)));
  }

  @Test
  void wavIsResampledTo16kMono() {
    float[][] stereo = {Signals.tone(440, 44100, 1.0, 0.5), Signals.tone(440, 44100, 1.0, 0.5)};
    PcmAudio pcm = NO_FFMPEG.decode(WavWriter.encode(stereo, 44100, Encoding.PCM_16, false), null, "x.mp3", 16000, 60);
    assertEquals(16000, pcm.sampleRate());
    assertEquals(16000, pcm.samples().length);
    assertEquals(0.5, Signals.amplitudeAt(pcm.samples(), 440, 16000), 0.01);
  }

  @ParameterizedTest
  @CsvSource({"audio/basic,", "audio/x-mulaw;rate=8000,", "audio/mulaw,", "application/octet-stream,call.ulaw",
    ",call.mulaw", ",call.ul", "audio/x-alaw,", ",call.alaw"})
  void headerlessTelephonyAudioIsRecognisedByTypeOrName(String type, String name) {
    float[] tone = Signals.tone(1000, 8000, 0.5, 0.5);
    boolean alaw = (type != null && type.contains("alaw")) || (name != null && name.endsWith("alaw"));
    byte[] raw = new byte[tone.length];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = alaw ? G711.encodeAlaw(tone[i]) : G711.encodeMulaw(tone[i]);
    }
    PcmAudio pcm = NO_FFMPEG.decode(raw, type, name, 16000, 60);
    assertEquals(8000, pcm.samples().length);
    assertEquals(0.5, Signals.amplitudeAt(pcm.samples(), 1000, 16000), 0.02);
  }

  @Test
  void auFilesWithMulawAreDecoded() {
    byte[] au = new byte[24 + 800];
    java.nio.ByteBuffer.wrap(au).put(".snd".getBytes(StandardCharsets.US_ASCII)).putInt(24).putInt(800).putInt(1).putInt(8000).putInt(1);
    float[] tone = Signals.tone(500, 8000, 0.1, 0.5);
    for (int i = 0; i < 800; i++) {
      au[24 + i] = G711.encodeMulaw(tone[i]);
    }
    PcmAudio pcm = NO_FFMPEG.decode(au, "audio/basic", null, 16000, 60);
    assertEquals(1600, pcm.samples().length);
    assertEquals(0.5, Signals.amplitudeAt(pcm.samples(), 500, 16000), 0.03);
  }

  @Test
  void emptyUnknownAndTooLongAreRefused() {
    assertCode(ErrorCode.INVALID_REQUEST, "empty", () -> NO_FFMPEG.decode(new byte[0], "audio/wav", "a.wav", 16000, 60));
    assertCode(ErrorCode.UNSUPPORTED_MEDIA, "looks like text",
      () -> NO_FFMPEG.decode("hello, this is not audio".getBytes(StandardCharsets.UTF_8), "audio/wav", "a.wav", 16000, 60));
    assertCode(ErrorCode.UNSUPPORTED_MEDIA, "first bytes 00 01 02",
      () -> NO_FFMPEG.decode(new byte[]{0, 1, 2, 3, 4, 5}, null, null, 16000, 60));
    assertCode(ErrorCode.PAYLOAD_TOO_LARGE, "lasts 1.0 s, longer than the 0.5 s",
      () -> NO_FFMPEG.decode(wav16k, null, null, 16000, 0.5));
    assertCode(ErrorCode.PAYLOAD_TOO_LARGE, "longer than",
      () -> NO_FFMPEG.decode(new byte[16000], "audio/basic", null, 16000, 1.5));
    assertCode(ErrorCode.INVALID_REQUEST, "rate=abc",
      () -> NO_FFMPEG.decode(new byte[100], "audio/basic; rate=abc", null, 16000, 60));
  }

  @Test
  void compressedAudioWithoutFfmpegIsA415NamingFfmpeg() {
    byte[] mp3 = HexFormat.of().parseHex("4944330300000000000000fffb9064");
    assertCode(ErrorCode.UNSUPPORTED_MEDIA, "needs ffmpeg, which is not installed", () -> NO_FFMPEG.decode(mp3, null, null, 16000, 60));
    byte[] adpcm = WavDecoderTest.patch16(wav16k, 20, 2);
    assertCode(ErrorCode.UNSUPPORTED_MEDIA, "MS ADPCM needs ffmpeg", () -> NO_FFMPEG.decode(adpcm, null, null, 16000, 60));
  }

  @Test
  void flacThroughFfmpegIsLossless() throws Exception {
    byte[] flac = ffmpegEncode(wav16k, "flac", List.of("-c:a", "flac"));
    assertEquals(Container.FLAC, Container.sniff(flac));
    float[] got = DECODER.decode(flac, "audio/wav", "mislabelled.wav", 16000, 60).samples();
    float[] original = DECODER.decode(wav16k, null, null, 16000, 60).samples();
    assertEquals(original.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(original[i], got[i], 1e-6, "sample " + i);
    }
  }

  @ParameterizedTest
  @CsvSource({"mp3,libmp3lame,MP3", "ogg,libopus,OGG", "m4a,aac,MP4", "webm,libopus,WEBM"})
  void lossyFormatsThroughFfmpegKeepTheSignal(String ext, String codec, Container container) throws Exception {
    byte[] encoded = ffmpegEncode(wav16k, ext, List.of("-c:a", codec, "-b:a", "64k"));
    assertEquals(container, Container.sniff(encoded));
    float[] got = DECODER.decode(encoded, null, null, 16000, 60).samples();
    assertTrue(Math.abs(got.length - voice.length) < 16000 / 10, "length " + got.length);
    double expected = Signals.amplitudeAt(voice, 300, 16000);
    assertEquals(expected, Signals.amplitudeAt(got, 300, 16000), expected * 0.15);
  }

  @Test
  void ffmpegFailuresAreBoundedAndExplained() throws Exception {
    byte[] corrupt = new byte[4000];
    System.arraycopy("ID3".getBytes(StandardCharsets.US_ASCII), 0, corrupt, 0, 3);
    new java.util.Random(1).nextBytes(java.util.Arrays.copyOfRange(corrupt, 10, corrupt.length));
    corrupt[3] = 3;
    for (int i = 10; i < corrupt.length; i++) {
      corrupt[i] = (byte) (i * 31);
    }
    MeshException bad = assertThrows(MeshException.class, () -> DECODER.decode(corrupt, null, null, 16000, 60));
    assertTrue(bad.errorCode() == ErrorCode.INVALID_REQUEST, bad.toString());
    assertTrue(bad.getMessage().startsWith("ffmpeg could not decode the MP3 audio") || bad.getMessage().contains("no audio samples"),
      bad.getMessage());

    byte[] longFlac = ffmpegEncode(WavWriter.pcm16(new float[16000 * 10], 16000), "flac", List.of("-c:a", "flac"));
    assertCode(ErrorCode.PAYLOAD_TOO_LARGE, "longer than the 2 s", () -> DECODER.decode(longFlac, null, null, 16000, 2));

    Path hang = dir.resolve("hanging-ffmpeg");
    Files.writeString(hang, "#!/bin/sh\nexec sleep 30\n");
    Files.setPosixFilePermissions(hang, PosixFilePermissions.fromString("rwx------"));
    AudioDecoder hanging = new AudioDecoder(new FfmpegDecoder(hang.toString(), 500));
    assertCode(ErrorCode.TIMEOUT, "within 0.5 s", () -> hanging.decode(longFlac, null, null, 16000, 60));
  }

  private static byte[] ffmpegEncode(byte[] wav, String ext, List<String> codecArgs) throws IOException, InterruptedException {
    Path in = Files.write(dir.resolve("in-" + System.nanoTime() + ".wav"), wav);
    Path out = dir.resolve("out-" + System.nanoTime() + "." + ext);
    List<String> cmd = new java.util.ArrayList<>(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", in.toString()));
    cmd.addAll(codecArgs);
    cmd.add(out.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg encode failed: " + log);
    return Files.readAllBytes(out);
  }

  private static void assertCode(ErrorCode code, String fragment, org.junit.jupiter.api.function.Executable call) {
    MeshException e = assertThrows(MeshException.class, call);
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should contain '" + fragment + "'");
  }
}
