package io.switchboard.voice.vad;

/**
 * Turn-taking over the VAD's per-window speech probabilities (Silero's rule, with hysteresis): speech starts after
 * {@code startWindows} windows in a row at or above {@code threshold}; once speaking, silence counts from the first
 * window below {@code threshold - 0.15} and is forgotten at the next window back above {@code threshold}. After
 * {@code speculativeMs} of silence the utterance so far may be transcribed early ({@link Listener#speculate}); after
 * {@code endpointMs} it ends, unless it was shorter than {@code minSpeechMs} (a cough, a click): then it is dropped.
 * An utterance that reaches {@code maxUtteranceMs} ends there. Positions are sample indices at 16 kHz since the call
 * began. Not thread-safe: the call's context only.
 *
 * <p>The model's probability stays high for a window or two after the sound stops (its state carries the speech on),
 * so the silence is counted from where the audio itself went quiet when that is earlier: the caller gives, with each
 * window, the end of the last stretch of audio above the quiet level, and a silence the model finds is backdated to it,
 * by at most {@link #MAX_BACKDATE} samples (three windows). On a noisy line the audio never goes quiet and nothing
 * changes.
 *
 * <p>Once the model has found the silence, its end no longer waits for a window: the caller also reports each stretch
 * of audio as it arrives ({@link #audio}), and when that audio is still quiet since the model found the silence (no
 * block above the quiet level after that window) the utterance ends with the frame that completes the silence, not with the next 32 ms
 * window's result (on average half a window and the VAD's turnaround earlier). Audio that is not quiet, or a line
 * where nothing counts as quiet, leaves the decision to the windows.
 *
 * <p>Nor need it wait for that frame: from the audio it has, the caller knows the sample at which the silence will be
 * complete ({@link #silenceCompletesAt}) and, with a clock, the instant. At that instant ({@link #clock}) the utterance
 * ends provisionally ({@link Listener#utteranceEnding}); the frame that then arrives confirms it when it is quiet
 * ({@link Listener#utteranceEnded}) or, when it holds sound, or a window says speech first, undoes it: the caller went
 * on ({@link Listener#speculationCancelled}), and the silence is counted afresh. The frame's 20 ms are then no longer
 * waited for (on average half a frame).
 */
public final class Endpointer {

  /** What the caller is doing. */
  public interface Listener {
    /** Speech began at sample {@code start}. */
    void speechStarted(long start);

    /** A window of the ongoing speech (for barge-in checks while the agent talks). */
    void speaking(long start, long at);

    /** Silence since {@code end} has lasted the speculative time: {@code [start, end)} may be transcribed now. */
    void speculate(long start, long end);

    /** Speech resumed after a {@link #speculate} or an {@link #utteranceEnding}: what was started for it is stale. */
    void speculationCancelled();

    /**
     * By the clock, the silence after {@code [start, end)} is complete, but the audio that covers its last moment has not
     * arrived: {@link #utteranceEnded} with the same bounds or {@link #speculationCancelled} follows.
     */
    default void utteranceEnding(long start, long end) {
    }

    /** The utterance {@code [start, end)} is over. */
    void utteranceEnded(long start, long end);

    /** The speech that started at {@code start} was too short to be an utterance. */
    void speechDropped(long start);
  }

  /** Settings, in milliseconds where named so; see the class comment. */
  public record Settings(double threshold, int startWindows, long minSpeechMs, long endpointMs, long speculativeMs,
                         long maxUtteranceMs) {
    public Settings {
      if (threshold <= 0.15 || threshold >= 1) {
        throw new IllegalArgumentException("vad.threshold must be above 0.15 and below 1, got " + threshold);
      }
      if (startWindows < 1 || endpointMs < SileroModel.WINDOW * 1000L / SileroModel.SAMPLE_RATE) {
        throw new IllegalArgumentException("vad.start_ms and vad.endpoint_silence_ms must be at least one window (32 ms)");
      }
    }
  }

  private static final long SAMPLES_PER_MS = SileroModel.SAMPLE_RATE / 1000;
  /** The most a silence is backdated to the audio's own quiet: three windows. */
  static final long MAX_BACKDATE = 3L * SileroModel.WINDOW;

  private final Settings settings;
  private final Listener listener;
  private boolean speaking;
  private int above;
  private long candidateStart;
  private long start;
  private long silenceStart = -1;
  /** The end of the window in which the model found the silence: quiet audio after it confirms the silence. */
  private long silenceFoundAt = -1;
  private boolean speculated;
  /** The sample that completed the silence by the clock, while the audio that covers it is awaited; else -1. */
  private long provisional = -1;

  public Endpointer(Settings settings, Listener listener) {
    this.settings = settings;
    this.listener = listener;
  }

  public boolean speaking() {
    return speaking;
  }

  /**
   * Audio up to sample {@code arrived} has come in, the last of it above the quiet level ending at {@code soundEnd}:
   * ends the utterance now when the silence the model found has lasted the endpoint and stayed quiet (see the class
   * comment).
   */
  public void audio(long arrived, long soundEnd) {
    if (provisional >= 0) {
      if (soundEnd > silenceFoundAt) {
        resumed(); // the frame after the clock's end holds sound: the caller goes on
      } else if (arrived >= provisional) {
        finish(silenceStart);
      }
      return;
    }
    if (speaking && silenceStart >= 0 && soundEnd <= silenceFoundAt
      && (arrived - silenceStart) / SAMPLES_PER_MS >= settings.endpointMs()) {
      finish(silenceStart);
    }
  }

  /**
   * The sample at which the silence under way completes the endpoint, when the audio since the model found it is quiet
   * ({@code soundEnd}: as in {@link #audio}); -1 when there is no such silence, or the utterance already ended by the
   * clock.
   */
  public long silenceCompletesAt(long soundEnd) {
    if (!speaking || silenceStart < 0 || provisional >= 0 || soundEnd > silenceFoundAt
      || (silenceStart - start) / SAMPLES_PER_MS < settings.minSpeechMs()) {
      return -1;
    }
    return silenceStart + settings.endpointMs() * SAMPLES_PER_MS;
  }

  /**
   * The clock says the caller has spoken up to sample {@code at}, the audio until now quiet since {@code soundEnd}: an
   * utterance whose silence is complete by then ends provisionally (see the class comment).
   */
  public void clock(long at, long soundEnd) {
    long completes = silenceCompletesAt(soundEnd);
    if (completes >= 0 && at >= completes) {
      provisional = completes;
      listener.utteranceEnding(start, silenceStart);
    }
  }

  /** The probability of the window {@code [end - 512, end)}; no knowledge of where the audio went quiet. */
  public void window(float probability, long end) {
    window(probability, end, Long.MAX_VALUE);
  }

  /**
   * The probability of the window {@code [end - 512, end)}, and {@code soundEnd}: the end of the last audio above the
   * quiet level, as far as the audio has arrived (see the class comment).
   */
  public void window(float probability, long end, long soundEnd) {
    long windowStart = end - SileroModel.WINDOW;
    if (!speaking) {
      if (probability >= settings.threshold()) {
        if (above++ == 0) {
          candidateStart = windowStart;
        }
        if (above >= settings.startWindows()) {
          speaking = true;
          start = candidateStart;
          silenceStart = -1;
          speculated = false;
          listener.speechStarted(start);
        }
      } else {
        above = 0;
      }
      return;
    }
    if (probability >= settings.threshold() && provisional >= 0) {
      resumed();
    } else if (probability >= settings.threshold()) {
      silenceStart = -1;
      if (speculated) {
        speculated = false;
        listener.speculationCancelled();
      }
    } else if (probability < settings.threshold() - 0.15 && silenceStart < 0) {
      silenceStart = windowStart;
      silenceFoundAt = end;
      if (soundEnd < windowStart) {
        silenceStart = Math.max(Math.max(soundEnd, windowStart - MAX_BACKDATE), start);
      }
    }
    if (silenceStart < 0) {
      if ((end - start) / SAMPLES_PER_MS >= settings.maxUtteranceMs()) {
        finish(end);
      } else {
        listener.speaking(start, end);
      }
      return;
    }
    long silentMs = (end - silenceStart) / SAMPLES_PER_MS;
    if (silentMs >= settings.endpointMs()) {
      finish(silenceStart);
    } else if (!speculated && settings.speculativeMs() > 0 && silentMs >= settings.speculativeMs()
      && (silenceStart - start) / SAMPLES_PER_MS >= settings.minSpeechMs()) {
      speculated = true;
      listener.speculate(start, silenceStart);
    }
  }

  /** The caller went on after a provisional end: the utterance goes on, the silence is counted afresh. */
  private void resumed() {
    provisional = -1;
    silenceStart = -1;
    speculated = false;
    listener.speculationCancelled();
  }

  private void finish(long end) {
    provisional = -1;
    speaking = false;
    above = 0;
    silenceStart = -1;
    if ((end - start) / SAMPLES_PER_MS >= settings.minSpeechMs()) {
      listener.utteranceEnded(start, end);
    } else {
      listener.speechDropped(start);
    }
  }
}
