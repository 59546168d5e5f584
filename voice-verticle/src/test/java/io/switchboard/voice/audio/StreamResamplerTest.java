package io.switchboard.voice.audio;

import io.switchboard.core.audio.Resampler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A stream converted in 20 ms pieces gives the same samples as the whole signal converted in one pass. */
class StreamResamplerTest {

  @ParameterizedTest
  @CsvSource({"8000,16000", "16000,8000", "48000,16000", "24000,8000", "24000,16000", "16000,24000", "44100,16000", "16000,16000"})
  void piecesMatchOnePass(int from, int to) {
    Random random = new Random(from * 31L + to);
    float[] signal = new float[from * 2 + 37];
    for (int i = 0; i < signal.length; i++) {
      signal[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / from) + 0.1 * random.nextGaussian());
    }
    float[] whole = Resampler.resample(signal, from, to);
    StreamResampler stream = new StreamResampler(from, to);
    float[] pieces = new float[0];
    int piece = from / 50;
    for (int at = 0; at < signal.length; at += piece) {
      pieces = concat(pieces, stream.push(Arrays.copyOfRange(signal, at, Math.min(signal.length, at + piece))));
    }
    pieces = concat(pieces, stream.flush());
    assertEquals(whole.length, pieces.length, "every output sample comes out once");
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], pieces[i], 1e-5, "sample " + i);
    }
  }

  @ParameterizedTest
  @CsvSource({"8000,16000", "48000,16000"})
  void holdsBackOnlyHalfTheFilter(int from, int to) {
    StreamResampler stream = new StreamResampler(from, to);
    int out = 0;
    for (int i = 0; i < 50; i++) {
      out += stream.push(new float[from / 50]).length;
    }
    int expected = to; // one second in
    assertEquals(expected, out, expected * 0.02, "at most a few ms are held back: " + out + " of " + expected);
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
