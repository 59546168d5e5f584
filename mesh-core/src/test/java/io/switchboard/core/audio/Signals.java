package io.switchboard.core.audio;

/** Test signals and measurements shared by the audio tests. */
final class Signals {

  private Signals() {
  }

  static float[] tone(double hz, int rate, double seconds, double amplitude) {
    float[] out = new float[(int) Math.round(rate * seconds)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return out;
  }

  /** RMS of the middle part, away from the filter's start-up and tail. */
  static double rms(float[] x) {
    int from = x.length / 10;
    int to = x.length - from;
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += (double) x[i] * x[i];
    }
    return Math.sqrt(sum / Math.max(1, to - from));
  }

  /** Amplitude of the {@code hz} component (Goertzel over the middle part). */
  static double amplitudeAt(float[] x, double hz, int rate) {
    int from = x.length / 10;
    int to = x.length - from;
    double w = 2 * Math.PI * hz / rate;
    double re = 0;
    double im = 0;
    for (int i = from; i < to; i++) {
      re += x[i] * Math.cos(w * i);
      im -= x[i] * Math.sin(w * i);
    }
    return 2 * Math.hypot(re, im) / (to - from);
  }

  static double db(double ratio) {
    return 20 * Math.log10(ratio);
  }
}
