package io.switchboard.core.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResamplerTest {

  @Test
  void keepsA7kHzToneWhenDownsamplingCdAudioTo16k() {
    float[] in = Signals.tone(7000, 44100, 1.0, 0.5);
    float[] out = Resampler.resample(in, 44100, 16000);
    double gainDb = Signals.db(Signals.rms(out) / Signals.rms(in));
    System.out.printf("7 kHz tone 44.1k->16k: %.3f dB%n", gainDb);
    assertTrue(Math.abs(gainDb) < 0.5, "7 kHz must pass, gain was " + gainDb + " dB");
    assertTrue(Signals.amplitudeAt(out, 7000, 16000) > 0.45, "the tone stays at 7 kHz");
  }

  @ParameterizedTest
  @CsvSource({"10000", "8500", "12000", "20000"})
  void removesContentAboveTheNewNyquistInsteadOfAliasingIt(int hz) {
    float[] in = Signals.tone(hz, 44100, 1.0, 0.5);
    float[] out = Resampler.resample(in, 44100, 16000);
    double attenuationDb = -Signals.db(Signals.rms(out) / Signals.rms(in));
    System.out.printf("%d Hz tone 44.1k->16k: attenuated %.1f dB%n", hz, attenuationDb);
    assertTrue(attenuationDb > 40, hz + " Hz must be attenuated by more than 40 dB, was " + attenuationDb);
  }

  @Test
  void awkwardRatiosUseTheInterpolatedFilterWithTheSameResponse() {
    // 44101 and 16000 share no factor: no polyphase bank, the fine table instead.
    double pass = Signals.db(Signals.rms(Resampler.resample(Signals.tone(7000, 44101, 1.0, 0.5), 44101, 16000)) / (0.5 / Math.sqrt(2)));
    double stop = Signals.db(Signals.rms(Resampler.resample(Signals.tone(10000, 44101, 1.0, 0.5), 44101, 16000)) / (0.5 / Math.sqrt(2)));
    assertTrue(Math.abs(pass) < 0.5, "7 kHz passes: " + pass + " dB");
    assertTrue(stop < -40, "10 kHz is removed: " + stop + " dB");
  }

  @Test
  void upsamplingTelephonyAudioKeepsTheToneAndAddsNoImage() {
    float[] in = Signals.tone(1000, 8000, 1.0, 0.5);
    float[] out = Resampler.resample(in, 8000, 16000);
    assertEquals(16000, out.length);
    assertEquals(0.5, Signals.amplitudeAt(out, 1000, 16000), 0.01);
    assertTrue(Signals.amplitudeAt(out, 7000, 16000) < 0.5 * 0.01, "the 7 kHz image of a 1 kHz tone must be below -40 dB");
  }

  @ParameterizedTest
  @CsvSource({"48000,16000", "22050,16000", "11025,16000", "96000,16000", "12345,16000", "16000,44100", "44101,16000", "7919,16000"})
  void anyRatioKeepsLengthAndLevel(int from, int to) {
    float[] in = Signals.tone(440, from, 0.5, 0.8);
    float[] out = Resampler.resample(in, from, to);
    assertEquals((long) in.length * to / from, out.length);
    assertEquals(0.8, Signals.amplitudeAt(out, 440, to), 0.01);
  }

  @Test
  void equalRatesCopyAndBadRatesAreRefused() {
    float[] in = {0.1f, -0.2f, 0.3f};
    float[] out = Resampler.resample(in, 16000, 16000);
    assertArrayEquals(in, out);
    assertNotSame(in, out);
    assertThrows(IllegalArgumentException.class, () -> Resampler.resample(in, 0, 16000));
    assertEquals(0, Resampler.resample(new float[0], 44100, 16000).length);
  }
}
