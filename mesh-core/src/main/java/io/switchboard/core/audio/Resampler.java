package io.switchboard.core.audio;

/**
 * Band-limited sample-rate conversion of mono float audio with a Kaiser-windowed sinc low-pass. For the usual
 * rational ratios (44.1k, 48k, 22.05k, 8k to 16k...) a polyphase bank holds the exact filter of every output
 * phase; for awkward ratios the filter is read from a finely sampled table at each tap's fractional position
 * (J. O. Smith's bandlimited interpolation), so any pair of rates works.
 *
 * <p>Design: 48 zero crossings each side, Kaiser beta 9 (about 90 dB stop-band). The cut-off is 0.9375 of the
 * lower Nyquist frequency, which puts the transition band between about 0.88 and 0.99 of it: converting to
 * 16 kHz keeps a 7 kHz tone within a fraction of a dB and removes anything above 8 kHz, so nothing aliases.
 * Upsampling uses the same filter at the input's Nyquist, which removes the images.
 *
 * <p>Stable API (used by ASR and TTS): {@code public static float[] resample(float[] mono, int fromRate, int toRate)}.
 * It returns a new array of {@code floor(n * toRate / fromRate)} samples (a copy when the rates are equal) and
 * never modifies its input.
 */
public final class Resampler {

  private static final int ZERO_CROSSINGS = 48;
  /** Table points per zero crossing; the filter between two points is interpolated linearly. */
  private static final int TABLE_STEPS = 256;
  private static final double KAISER_BETA = 9.0;
  private static final double ROLLOFF = 0.9375;
  private static final double I0_BETA = besselI0(KAISER_BETA);
  /** Banks up to this size (4 MB) are built; rarer ratios (coprime odd rates) use the interpolated table. */
  private static final long MAX_BANK_COEFFICIENTS = 1L << 20;
  private static final int MAX_CACHED_BANKS = 16;
  private static final java.util.Map<Long, float[][]> BANKS = new java.util.concurrent.ConcurrentHashMap<>();
  private static final float[] TABLE = buildTable();
  private static final float[] TABLE_DELTAS = deltas(TABLE);

  private Resampler() {
  }

  /**
   * Converts {@code mono} sampled at {@code fromRate} Hz to {@code toRate} Hz.
   *
   * @throws IllegalArgumentException when a rate is not positive
   */
  public static float[] resample(float[] mono, int fromRate, int toRate) {
    if (fromRate <= 0 || toRate <= 0) {
      throw new IllegalArgumentException("sample rates must be positive: " + fromRate + " -> " + toRate);
    }
    if (fromRate == toRate) {
      return mono.clone();
    }
    long outLength = (long) mono.length * toRate / fromRate;
    if (outLength > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("resampled audio would hold " + outLength + " samples");
    }
    // When downsampling the filter is stretched so that it cuts at the output's Nyquist frequency.
    double scale = Math.min(1.0, (double) toRate / fromRate) * ROLLOFF;
    int half = (int) Math.ceil(ZERO_CROSSINGS / scale);
    int g = gcd(fromRate, toRate);
    int up = toRate / g;
    int down = fromRate / g;
    float[] out = new float[(int) outLength];
    if ((long) up * 2 * half <= MAX_BANK_COEFFICIENTS) {
      polyphase(mono, out, up, down, half, bank(up, down, half, scale));
    } else {
      interpolated(mono, out, (double) fromRate / toRate, scale);
    }
    return out;
  }

  /**
   * Rational ratios (every common pair of rates): the exact filter for each of the {@code up} output phases is
   * computed once, so each output sample is one dot product.
   */
  private static void polyphase(float[] x, float[] out, int up, int down, int half, float[][] bank) {
    int taps = 2 * half;
    for (int n = 0; n < out.length; n++) {
      long pos = (long) n * down;
      int first = (int) (pos / up) - half + 1;
      float[] c = bank[(int) (pos % up)];
      if (first >= 0 && first + taps <= x.length) {
        out[n] = dot(x, first, c, taps);
      } else {
        float acc = 0;
        for (int j = Math.max(0, -first); j < taps && first + j < x.length; j++) {
          acc += x[first + j] * c[j];
        }
        out[n] = acc;
      }
    }
  }

  /** Four accumulators let the CPU overlap the multiply-adds. */
  private static float dot(float[] x, int from, float[] c, int taps) {
    float a0 = 0;
    float a1 = 0;
    float a2 = 0;
    float a3 = 0;
    int j = 0;
    for (; j + 3 < taps; j += 4) {
      a0 += x[from + j] * c[j];
      a1 += x[from + j + 1] * c[j + 1];
      a2 += x[from + j + 2] * c[j + 2];
      a3 += x[from + j + 3] * c[j + 3];
    }
    for (; j < taps; j++) {
      a0 += x[from + j] * c[j];
    }
    return (a0 + a1) + (a2 + a3);
  }

  private static float[][] bank(int up, int down, int half, double scale) {
    long key = ((long) up << 32) | down;
    float[][] cached = BANKS.get(key);
    if (cached != null) {
      return cached;
    }
    float[][] bank = new float[up][2 * half];
    for (int p = 0; p < up; p++) {
      double frac = (double) p / up;
      for (int j = 0; j < 2 * half; j++) {
        bank[p][j] = (float) (scale * kernel((frac + half - 1 - j) * scale));
      }
    }
    if (BANKS.size() < MAX_CACHED_BANKS) {
      BANKS.put(key, bank);
    }
    return bank;
  }

  /** Any other ratio: the filter read from a fine table at each tap's fractional position. */
  private static void interpolated(float[] mono, float[] out, double step, double scale) {
    double halfWidth = ZERO_CROSSINGS / scale;
    double tableScale = scale * TABLE_STEPS;
    for (int n = 0; n < out.length; n++) {
      double t = n * step;
      int first = Math.max(0, (int) Math.ceil(t - halfWidth));
      int last = Math.min(mono.length - 1, (int) Math.floor(t + halfWidth));
      double acc = 0;
      for (int k = first; k <= last; k++) {
        double pos = Math.abs(t - k) * tableScale;
        int idx = (int) pos;
        if (idx >= TABLE.length - 1) {
          continue;
        }
        acc += mono[k] * (TABLE[idx] + (pos - idx) * TABLE_DELTAS[idx]);
      }
      out[n] = (float) (acc * scale);
    }
  }

  /** The windowed sinc at {@code u} zero crossings from its centre. */
  private static double kernel(double u) {
    double a = Math.abs(u);
    if (a >= ZERO_CROSSINGS) {
      return 0;
    }
    double sinc = a < 1e-12 ? 1.0 : Math.sin(Math.PI * a) / (Math.PI * a);
    double r = a / ZERO_CROSSINGS;
    return sinc * besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / I0_BETA;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** One side of the windowed sinc, {@code TABLE_STEPS} points per zero crossing, ending at zero. */
  private static float[] buildTable() {
    int size = ZERO_CROSSINGS * TABLE_STEPS + 1;
    float[] table = new float[size + 1];
    for (int i = 0; i < size; i++) {
      table[i] = (float) kernel((double) i / TABLE_STEPS);
    }
    table[size] = 0f;
    return table;
  }

  private static float[] deltas(float[] table) {
    float[] d = new float[table.length];
    for (int i = 0; i < table.length - 1; i++) {
      d[i] = table[i + 1] - table[i];
    }
    return d;
  }

  /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for beta &lt; 20). */
  private static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double half = x / 2;
    for (int k = 1; k < 60; k++) {
      term *= (half / k) * (half / k);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return sum;
  }
}
