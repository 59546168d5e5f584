package io.switchboard.llm.jlama;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

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

  /**
   * On a vocabulary of Llama 3's size, with logits spread like a trained model's (a few likely tokens, a long tail),
   * top_p draws what sorting every token gives (the reference below, the sampler's former code), seed for seed.
   */
  @Test
  void topPDrawsWhatSortingTheWholeVocabularyDraws() {
    SplittableRandom r = new SplittableRandom(5);
    for (double topP : new double[] {0.5, 0.9, 0.95, 0.999}) {
      for (double temperature : new double[] {0.3, 0.7, 1.0, 1.5}) {
        Sampler s = new Sampler(temperature, topP, 11);
        SplittableRandom reference = new SplittableRandom(11);
        for (int draw = 0; draw < 20; draw++) {
          float[] logits = new float[128_256];
          int argmax = 0;
          for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 2 + (i % 997 == 0 ? 12 : 0));
            argmax = logits[i] > logits[argmax] ? i : argmax;
          }
          int expected = sortEverything(logits.clone(), argmax, temperature, topP, reference.nextDouble());
          assertEquals(expected, s.pick(logits, argmax), "top_p " + topP + ", temperature " + temperature + ", draw " + draw);
        }
      }
    }
  }

  private static int sortEverything(float[] weights, int argmax, double temperature, double topP, double u) {
    double max = weights[argmax];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) Math.exp((weights[i] - max) / temperature);
      sum += weights[i];
    }
    long[] keyed = new long[weights.length];
    int n = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        keyed[n++] = ((long) Float.floatToIntBits(weights[i]) << 32) | i;
      }
    }
    Arrays.sort(keyed, 0, n);
    double kept = 0;
    int first = n - 1;
    for (int k = n - 1; k >= 0; k--) {
      kept += weights[(int) keyed[k]];
      first = k;
      if (kept >= topP * sum) {
        break;
      }
    }
    double acc = 0;
    for (int k = n - 1; k >= first; k--) {
      acc += weights[(int) keyed[k]];
      if (acc > u * kept) {
        return (int) keyed[k];
      }
    }
    return (int) keyed[first];
  }
}
