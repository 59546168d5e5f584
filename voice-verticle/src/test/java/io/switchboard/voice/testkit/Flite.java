package io.switchboard.voice.testkit;

import io.switchboard.core.audio.PcmAudio;
import io.switchboard.core.audio.WavDecoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Speech for tests from the real flite (apt-get install flite), as 16 kHz floats. */
public final class Flite {

  private Flite() {
  }

  /** {@code text} spoken by flite's default voice, resampled to {@code rate}. */
  public static float[] speak(String text, int rate) {
    try {
      Path wav = Files.createTempFile("flite-", ".wav");
      try {
        Process p = new ProcessBuilder(List.of("flite", "-t", text, "-o", wav.toString())).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("flite failed (apt-get install flite)");
        }
        byte[] bytes = Files.readAllBytes(wav);
        PcmAudio audio = WavDecoder.decode(bytes, WavDecoder.parse(bytes));
        return audio.resampledTo(rate).samples();
      } finally {
        Files.deleteIfExists(wav);
      }
    } catch (IOException e) {
      throw new IllegalStateException("flite is needed for this test (apt-get install flite): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static float[] speak16k(String text) {
    return speak(text, 16_000);
  }
}
