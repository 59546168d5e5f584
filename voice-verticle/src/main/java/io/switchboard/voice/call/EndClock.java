package io.switchboard.voice.call;

import io.switchboard.voice.vad.Endpointer;
import io.switchboard.voice.vad.SileroModel;
import io.vertx.core.Vertx;

import java.util.function.LongSupplier;

/**
 * Ends an utterance at the instant its silence is complete rather than with the frame that carries that instant (a
 * frame is sent once it holds 20 ms): the {@link Endpointer} knows the sample at which the silence will be complete,
 * the latest frame's arrival tells when the caller spoke the sample it ended with, so a timer can go off when the caller
 * reaches the endpoint sample. The endpointer then ends the utterance provisionally, and the next frame confirms or
 * undoes it. On the call's context only.
 */
final class EndClock {

  private static final long SAMPLES_PER_MS = SileroModel.SAMPLE_RATE / 1000;

  private final Vertx vertx;
  private final Endpointer endpointer;
  private final LongSupplier soundEnd;
  private long due = -1;
  private long timer = -1;

  /** @param soundEnd the end of the last audio above the quiet level, as the endpointer is given it */
  EndClock(Vertx vertx, Endpointer endpointer, LongSupplier soundEnd) {
    this.vertx = vertx;
    this.endpointer = endpointer;
    this.soundEnd = soundEnd;
  }

  /**
   * After every frame and window: audio up to sample {@code arrived} has come in, its last frame at {@code arrivedAtMs}.
   * Sets the timer for the sample the silence under way completes at (or moves or cancels it).
   */
  void update(long arrived, long arrivedAtMs) {
    long completes = endpointer.silenceCompletesAt(soundEnd.getAsLong());
    if (completes == due) {
      return;
    }
    cancel();
    if (completes < 0 || completes <= arrived) {
      return; // no silence under way, or the audio already holds its end (the endpointer decided on it)
    }
    due = completes;
    long at = arrivedAtMs + (completes - arrived + SAMPLES_PER_MS - 1) / SAMPLES_PER_MS;
    timer = vertx.setTimer(Math.max(1, at - TurnMetrics.now()), t -> {
      timer = -1;
      long sample = due;
      due = -1;
      endpointer.clock(sample, soundEnd.getAsLong());
    });
  }

  void cancel() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    due = -1;
  }
}
