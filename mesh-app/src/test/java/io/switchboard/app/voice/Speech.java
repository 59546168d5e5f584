package io.switchboard.app.voice;

import io.switchboard.voice.testkit.Flite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Caller speech for the call tests (flite, resampled to the call's rate) and the word error rate of a transcript. */
public final class Speech {

  // Sentences whose flite rendering at 8 kHz μ-law whisper-tiny.en transcribes exactly with any leading silence
  // (checked with 0 to 300 ms of padding): what is tested is the call, not tiny.en's limits at 8 kHz.
  public static final String FIRST = "Hello, I need to change my reservation.";
  static final String SECOND = "Please send the bill to my office in Denver.";
  static final String THIRD = "My name is John and I live in Seattle.";

  private Speech() {
  }

  static float[] at8k(String text) {
    return Flite.speak(text, 8000);
  }

  public static float[] at16k(String text) {
    return Flite.speak(text, 16_000);
  }

  /** Word error rate of {@code hypothesis} against {@code reference}: (substitutions + deletions + insertions) / words. */
  static double wer(String reference, String hypothesis) {
    List<String> ref = words(reference);
    List<String> hyp = words(hypothesis);
    int[][] d = new int[ref.size() + 1][hyp.size() + 1];
    for (int i = 0; i <= ref.size(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= hyp.size(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= ref.size(); i++) {
      for (int j = 1; j <= hyp.size(); j++) {
        int sub = d[i - 1][j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1);
        d[i][j] = Math.min(sub, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
      }
    }
    return (double) d[ref.size()][hyp.size()] / ref.size();
  }

  private static List<String> words(String text) {
    String t = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9' ]", " ").trim();
    return t.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(t.split("\\s+")));
  }
}
