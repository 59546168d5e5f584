package io.switchboard.llm.jlama;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from the logits: greedy at temperature 0, otherwise softmax at the temperature, cut to the
 * nucleus of {@code top_p}, drawn from a generator seeded by the request's {@code seed} (so a seeded request is
 * reproducible). Jlama's own sampler is not used: it has no {@code top_p} nor seed. Not thread-safe: one per generation.
 */
final class Sampler {

  private final double temperature;
  private final double topP;
  private final SplittableRandom random;

  Sampler(double temperature, double topP, long seed) {
    this.temperature = temperature;
    this.topP = topP;
    this.random = new SplittableRandom(seed);
  }

  boolean greedy() {
    return temperature <= 0;
  }

  /** The token to emit; {@code logits} is scratch space and is overwritten. */
  int pick(float[] logits, int argmax) {
    if (greedy()) {
      return argmax;
    }
    double max = logits[argmax];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      float p = (float) Math.exp((logits[i] - max) / temperature);
      logits[i] = p;
      sum += p;
    }
    double u = random.nextDouble();
    if (topP >= 1.0) {
      return draw(logits, sum, u);
    }
    return drawNucleus(logits, sum, u);
  }

  private static int draw(float[] weights, double sum, double u) {
    double target = u * sum;
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (acc > target) {
        return i;
      }
    }
    return lastPositive(weights);
  }

  /** Sorts by probability (positive floats sort like their bit patterns), keeps the smallest set reaching top_p. */
  private int drawNucleus(float[] weights, double sum, double u) {
    long[] keyed = new long[weights.length];
    int n = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        keyed[n++] = ((long) Float.floatToIntBits(weights[i]) << 32) | i;
      }
    }
    Arrays.sort(keyed, 0, n);
    double limit = topP * sum;
    double kept = 0;
    int first = n - 1;
    for (int k = n - 1; k >= 0; k--) {
      kept += weights[(int) keyed[k]];
      first = k;
      if (kept >= limit) {
        break;
      }
    }
    double target = u * kept;
    double acc = 0;
    for (int k = n - 1; k >= first; k--) {
      int i = (int) keyed[k];
      acc += weights[i];
      if (acc > target) {
        return i;
      }
    }
    return (int) keyed[first];
  }

  private static int lastPositive(float[] weights) {
    for (int i = weights.length - 1; i >= 0; i--) {
      if (weights[i] > 0) {
        return i;
      }
    }
    return 0;
  }
}
