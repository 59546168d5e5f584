package io.switchboard.llm.jlama;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

  private static float[] logits() {
    return new float[] {2.0f, 1.0f, 0.5f, -1.0f, 3.0f};
  }

  @Test
  void greedyTakesTheArgmax() {
    assertEquals(4, new Sampler(0, 1, 1).pick(logits(), 4));
  }

  @Test
  void aSeedRepeatsTheDraws() {
    Sampler a = new Sampler(1.0, 1.0, 99);
    Sampler b = new Sampler(1.0, 1.0, 99);
    for (int i = 0; i < 50; i++) {
      assertEquals(a.pick(logits(), 4), b.pick(logits(), 4));
    }
  }

  @Test
  void drawsFollowTheSoftmax() {
    Sampler s = new Sampler(1.0, 1.0, 7);
    int[] counts = new int[5];
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      counts[s.pick(logits(), 4)]++;
    }
    double z = 0;
    for (float l : logits()) {
      z += Math.exp(l);
    }
    for (int k = 0; k < 5; k++) {
      double expected = Math.exp(logits()[k]) / z;
      assertEquals(expected, counts[k] / (double) n, 0.015, "token " + k);
    }
  }

  @Test
  void topPKeepsOnlyTheNucleus() {
    // softmax of the logits: 0.233, 0.086, 0.052, 0.012, 0.634 -> top_p 0.8 keeps tokens 4 and 0 only.
    Sampler s = new Sampler(1.0, 0.8, 3);
    int[] counts = new int[5];
    for (int i = 0; i < 5_000; i++) {
      counts[s.pick(logits(), 4)]++;
    }
    assertEquals(0, counts[1] + counts[2] + counts[3]);
    assertTrue(counts[0] > 1000 && counts[4] > 3000, java.util.Arrays.toString(counts));
  }

  @Test
  void aLowTemperatureSharpens() {
    Sampler s = new Sampler(0.05, 1.0, 3);
    for (int i = 0; i < 200; i++) {
      assertEquals(4, s.pick(logits(), 4));
    }
  }
}
