package io.switchboard.asr.whisper;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowCutterTest {

  private static final int RATE = 16000;
  private final WindowCutter cutter = new WindowCutter(RATE, 30, 5);

  /** "Words" (loud 150 Hz bursts) of 0.3 to 0.7 s with 0.08 s gaps, and 0.6 s pauses every {@code sentence} s. */
  private static float[] speechLike(double seconds, double sentence, List<double[]> pauses) {
    float[] x = new float[(int) (seconds * RATE)];
    double t = 0;
    double sinceSentence = 0;
    int word = 0;
    while (t < seconds) {
      double len = 0.3 + 0.1 * (word++ % 5);
      for (int i = (int) (t * RATE); i < Math.min(x.length, (t + len) * RATE); i++) {
        x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 150 * i / RATE)) + 0.002f * (float) Math.sin(i * 0.37);
      }
      t += len + 0.08;
      sinceSentence += len + 0.08;
      if (sinceSentence >= sentence) {
        pauses.add(new double[]{t, t + 0.6});
        t += 0.6;
        sinceSentence = 0;
      }
    }
    return x;
  }

  @Test
  void shortAudioIsOneWindow() {
    List<WindowCutter.Window> w = cutter.cut(new float[RATE * 12]);
    assertEquals(1, w.size());
    assertEquals(RATE * 12, w.get(0).end());
    assertTrue(w.get(0).silent());
  }

  @Test
  void longSpeechIsCutInsidePausesIntoWindowsOfAtMostThirtySeconds() {
    List<double[]> pauses = new java.util.ArrayList<>();
    float[] x = speechLike(150, 4.2, pauses);
    List<WindowCutter.Window> windows = cutter.cut(x);
    assertTrue(windows.size() >= 5, "150 s needs at least 5 windows");
    int expectedStart = 0;
    for (WindowCutter.Window w : windows) {
      assertEquals(expectedStart, w.start(), "windows are contiguous");
      assertTrue(w.length() <= 30 * RATE, "window of " + w.length() / (double) RATE + " s");
      assertFalse(w.silent());
      expectedStart = w.end();
    }
    assertEquals(x.length, expectedStart, "windows cover the whole audio");
    for (int i = 0; i < windows.size() - 1; i++) {
      double cut = windows.get(i).end() / (double) RATE;
      assertTrue(quietAround(x, windows.get(i).end()), "cut at " + cut + " s is not between words");
      if (i < windows.size() - 2) {
        // The last cut may have a narrowed search span (it must not leave a sliver); the others always see a pause.
        assertTrue(pauses.stream().anyMatch(p -> cut > p[0] && cut < p[1]), "cut at " + cut + " s is not inside a pause");
      }
      assertTrue(windows.get(i).length() >= 25 * RATE, "the cut moves back at most 5 s");
    }
  }

  @Test
  void withoutLongPausesTheCutFallsInAGapBetweenWords() {
    List<double[]> pauses = new java.util.ArrayList<>();
    float[] x = speechLike(45, 1000, pauses);
    WindowCutter.Window first = cutter.cut(x).get(0);
    assertTrue(quietAround(x, first.end()), "the cut lands in the quiet between two words");
  }

  /** Mean square over 10 ms each side of {@code at} is near silence. */
  private static boolean quietAround(float[] x, int at) {
    int span = RATE / 100;
    double energy = 0;
    for (int i = at - span; i < at + span; i++) {
      energy += x[i] * x[i];
    }
    return energy / (2 * span) < 1e-4;
  }

  @Test
  void theLastWindowIsNeverASliver() {
    List<double[]> pauses = new java.util.ArrayList<>();
    float[] x = speechLike(30.4, 4.2, pauses);
    List<WindowCutter.Window> w = cutter.cut(x);
    assertEquals(2, w.size());
    assertTrue(w.get(1).length() >= 2.5 * RATE, "last window " + w.get(1).length() / (double) RATE + " s");
  }

  @Test
  void silentStretchesAreMarkedAndBadSettingsRefused() {
    float[] x = new float[RATE * 70];
    for (int i = 0; i < RATE * 10; i++) {
      x[i] = (float) (0.3 * Math.sin(i * 0.05));
    }
    List<WindowCutter.Window> w = cutter.cut(x);
    assertFalse(w.get(0).silent());
    assertTrue(w.get(w.size() - 1).silent());
    assertThrows(IllegalArgumentException.class, () -> new WindowCutter(RATE, 30, 30));
  }
}
