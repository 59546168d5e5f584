package io.switchboard.asr.whisper;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts long audio into windows Whisper can take (at most 30 s each) at the quietest moment near each limit, so a
 * cut falls in a pause between words rather than through one. A simple energy detector: the audio is measured
 * in 20 ms frames; in the last {@code searchSeconds} before the window limit the cut goes at the centre of the
 * quietest stretch ({@code smoothFrames} frames averaged, so one silent frame inside a word does not win over a
 * real pause). A cut never leaves less than half the search span for the last window.
 *
 * <p>Windows that hold nothing but near-silence are marked, so the caller can skip them: Whisper tends to invent
 * text ("Thank you.") for silent input.
 */
public final class WindowCutter {

  /** A window of samples {@code [start, end)}; {@code silent} when its loudest frame is below the silence floor. */
  public record Window(int start, int end, boolean silent) {
    public int length() {
      return end - start;
    }
  }

  private static final int FRAME_MS = 20;
  private static final int SMOOTH_FRAMES = 10;
  /** RMS below which a frame counts as silence: about -60 dBFS. */
  private static final double SILENCE_RMS = 1e-3;

  private final int sampleRate;
  private final int maxSamples;
  private final int searchSamples;
  private final int minTailSamples;

  /**
   * @param sampleRate    of the audio to cut
   * @param maxSeconds    the longest window (Whisper: 30)
   * @param searchSeconds how far back from the limit a cut may move to find a pause
   */
  public WindowCutter(int sampleRate, double maxSeconds, double searchSeconds) {
    if (searchSeconds >= maxSeconds || searchSeconds <= 0) {
      throw new IllegalArgumentException("cut search span must be between 0 and the window length");
    }
    this.sampleRate = sampleRate;
    this.maxSamples = (int) (sampleRate * maxSeconds);
    this.searchSamples = (int) (sampleRate * searchSeconds);
    this.minTailSamples = searchSamples / 2;
  }

  public List<Window> cut(float[] pcm) {
    int frame = sampleRate * FRAME_MS / 1000;
    double[] energy = frameEnergy(pcm, frame);
    List<Window> out = new ArrayList<>();
    int start = 0;
    while (start < pcm.length) {
      int end;
      if (pcm.length - start <= maxSamples) {
        end = pcm.length;
      } else {
        // Never leave a sliver for the last window: Whisper guesses wildly at half a word.
        int latest = Math.min(start + maxSamples, pcm.length - minTailSamples);
        end = quietestCut(energy, frame, start + maxSamples - searchSamples, latest);
      }
      out.add(new Window(start, end, isSilent(energy, frame, start, end)));
      start = end;
    }
    return out;
  }

  /** Mean square per frame. */
  private static double[] frameEnergy(float[] pcm, int frame) {
    double[] e = new double[(pcm.length + frame - 1) / frame];
    for (int f = 0; f < e.length; f++) {
      int from = f * frame;
      int to = Math.min(pcm.length, from + frame);
      double sum = 0;
      for (int i = from; i < to; i++) {
        sum += (double) pcm[i] * pcm[i];
      }
      e[f] = sum / (to - from);
    }
    return e;
  }

  /**
   * The sample to cut at within {@code [from, to]}: the quietest smoothed stretch wins, then the cut goes at its
   * quietest frame (the gap between two words when the stretch is not a whole pause).
   */
  private static int quietestCut(double[] energy, int frame, int from, int to) {
    int firstFrame = (from + frame - 1) / frame;
    int lastFrame = to / frame;
    int span = Math.min(SMOOTH_FRAMES, Math.max(1, lastFrame - firstFrame));
    double best = Double.MAX_VALUE;
    int bestStart = Math.max(firstFrame, lastFrame - span);
    for (int f = firstFrame; f + span <= lastFrame; f++) {
      double sum = 0;
      for (int k = 0; k < span; k++) {
        sum += energy[f + k];
      }
      // Ties (long silences) go to the later stretch, so windows stay as long as allowed.
      if (sum <= best) {
        best = sum;
        bestStart = f;
      }
    }
    int cutFrame = bestStart + span / 2;
    double quietest = energy[Math.min(energy.length - 1, cutFrame)] * (1 - 1e-9);
    for (int f = bestStart; f < bestStart + span && f < energy.length; f++) {
      if (energy[f] < quietest) {
        quietest = energy[f];
        cutFrame = f;
      }
    }
    return Math.max(from, Math.min(to, cutFrame * frame + frame / 2));
  }

  private static boolean isSilent(double[] energy, int frame, int start, int end) {
    double floor = SILENCE_RMS * SILENCE_RMS;
    for (int f = start / frame; f < Math.min(energy.length, (end + frame - 1) / frame); f++) {
      if (energy[f] > floor) {
        return false;
      }
    }
    return true;
  }
}
