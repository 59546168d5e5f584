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

  /**
   * Sorts by probability (positive floats sort like their bit patterns), keeps the smallest set reaching top_p. Only
   * the largest weights can be in that set: those of the highest binades (powers of two) that together reach top_p, with
   * a margin far above the sums' rounding. So only they are sorted, not the whole vocabulary (128k weights and a
   * 1 MB array per token), and the draw is the one a sort of every weight gives: the kept weights are the top of that
   * order, in that order.
   */
  private int drawNucleus(float[] weights, double sum, double u) {
    double limit = topP * sum;
    int floor = nucleusFloor(weights, limit);
    int n = 0;
    for (float w : weights) {
      if (w > 0 && Float.floatToRawIntBits(w) >= floor) {
        n++;
      }
    }
    long[] keyed = new long[n];
    n = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0 && Float.floatToRawIntBits(weights[i]) >= floor) {
        keyed[n++] = ((long) Float.floatToIntBits(weights[i]) << 32) | i;
      }
    }
    Arrays.sort(keyed);
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

  /** The bit pattern of the smallest power of two such that the positive weights at or above it exceed {@code limit} (with margin); 0: every weight. */
  private static int nucleusFloor(float[] weights, double limit) {
    double[] byExponent = new double[256];
    for (float w : weights) {
      if (w > 0) {
        byExponent[Float.floatToRawIntBits(w) >>> 23] += w;
      }
    }
    double above = 0;
    for (int e = 255; e > 0; e--) {
      above += byExponent[e];
      if (above >= limit * (1 + 1e-6)) {
        return e << 23;
      }
    }
    return 0;
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
