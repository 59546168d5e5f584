package io.switchboard.voice.vad;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Turn-taking over scripted probabilities, one per 32 ms window. */
class EndpointerTest {

  private final List<String> events = new ArrayList<>();
  private long end;

  private Endpointer endpointer(long speculativeMs) {
    return new Endpointer(new Endpointer.Settings(0.5, 2, 200, 500, speculativeMs, 3000), new Endpointer.Listener() {
      @Override
      public void speechStarted(long start) {
        events.add("start@" + start);
      }

      @Override
      public void speaking(long start, long at) {
      }

      @Override
      public void speculate(long start, long stop) {
        events.add("speculate@" + start + "-" + stop);
      }

      @Override
      public void speculationCancelled() {
        events.add("cancel");
      }

      @Override
      public void utteranceEnding(long start, long stop) {
        events.add("ending@" + start + "-" + stop);
      }

      @Override
      public void utteranceEnded(long start, long stop) {
        events.add("end@" + start + "-" + stop);
      }

      @Override
      public void speechDropped(long start) {
        events.add("dropped@" + start);
      }
    });
  }

  private void feed(Endpointer e, double p, int windows) {
    feed(e, p, windows, Long.MAX_VALUE); // what window(p, end) passes: no quiet level
  }

  /** {@code windows} windows of probability {@code p}; the audio's sound ended at {@code soundEnd}. */
  private void feed(Endpointer e, double p, int windows, long soundEnd) {
    for (int i = 0; i < windows; i++) {
      end += 512;
      e.window((float) p, end, soundEnd);
    }
  }

  /** {@code windows} windows of probability {@code p} whose sound lasts to their end. */
  private void feedSound(Endpointer e, double p, int windows) {
    for (int i = 0; i < windows; i++) {
      end += 512;
      e.window((float) p, end, end);
    }
  }

  @Test
  void utteranceStartsAfterTwoWindowsAndEndsAfterTheSilence() {
    Endpointer e = endpointer(0);
    feed(e, 0.1, 3);
    feed(e, 0.9, 1);
    feed(e, 0.1, 1); // one window is not speech
    feed(e, 0.9, 20);
    assertEquals(List.of("start@2560"), events, "speech starts at the first of two windows in a row");
    feed(e, 0.1, 15); // 480 ms of silence: not yet
    assertEquals(1, events.size());
    feed(e, 0.1, 1);
    assertEquals(List.of("start@2560", "end@2560-12800"), events, "ends where the silence began, after 500 ms of it");
  }

  @Test
  void hysteresisKeepsSpeechGoingBetweenTheThresholds() {
    Endpointer e = endpointer(0);
    feed(e, 0.9, 10);
    feed(e, 0.4, 40); // below 0.5 but above 0.35: not silence
    assertEquals(1, events.size());
    feed(e, 0.2, 16);
    assertEquals("end@0-25600", events.get(1));
  }

  @Test
  void shortSpeechIsDroppedAndLongSpeechIsCut() {
    Endpointer e = endpointer(0);
    feed(e, 0.9, 3); // 96 ms
    feed(e, 0.0, 16);
    assertEquals(List.of("start@0", "dropped@0"), events);
    events.clear();
    feed(e, 0.9, 100); // 3.2 s > max 3 s
    assertEquals("end@9728-" + (9728 + 94 * 512), events.get(1), "cut at the first window past 3 s");
  }

  @Test
  void speculationComesBeforeTheEndpointAndIsCancelledWhenSpeechResumes() {
    Endpointer e = endpointer(200);
    feed(e, 0.9, 10);
    feed(e, 0.1, 7);
    assertEquals(List.of("start@0", "speculate@0-5120"), events);
    feed(e, 0.9, 5);
    feed(e, 0.1, 16);
    assertEquals(List.of("start@0", "speculate@0-5120", "cancel", "speculate@0-11264", "end@0-11264"), events);
  }

  @Test
  void aSilenceIsCountedFromWhereTheAudioWentQuietWhenTheModelNoticesLater() {
    Endpointer e = endpointer(0);
    feedSound(e, 0.95, 20);
    long quietAt = end + 100; // the sound stops 100 samples into the next window; the model lags two windows
    feed(e, 0.9, 2, quietAt);
    feed(e, 0.05, 14, quietAt);
    assertEquals(List.of("start@0", "end@0-" + quietAt), events, "500 ms after the sound stopped, not after the model noticed");
  }

  @Test
  void aQuietSilenceEndsWithTheFrameThatCompletesItNotWithTheNextWindow() {
    Endpointer e = endpointer(0);
    feedSound(e, 0.95, 20);
    long quietAt = end + 100;
    feed(e, 0.9, 1, quietAt); // the sound stops 100 samples into this window; the model lags a window
    feed(e, 0.05, 1, quietAt); // the model finds the silence; it started at quietAt
    long arrived = end;
    long endpoint = quietAt + 500 * 16;
    while (arrived + 320 < endpoint) {
      arrived += 320; // 20 ms frames at 16 kHz
      e.audio(arrived, quietAt);
    }
    assertEquals(List.of("start@0"), events, "not before 500 ms of audio after the silence began have arrived");
    e.audio(arrived + 320, quietAt);
    assertEquals(List.of("start@0", "end@0-" + quietAt), events, "the frame that completes 500 ms ends it, between windows");
    while (end < arrived + 320) {
      feed(e, 0.05, 1, quietAt); // the windows of that audio come back later: nothing more happens
    }
    assertEquals(2, events.size());
  }

  /** Where the sound stops in the clock tests: 100 samples into the 21st window. */
  private static final long QUIET_AT = 20 * 512 + 100;
  /** Where their 500 ms of silence is complete. */
  private static final long COMPLETES = QUIET_AT + 500 * 16;

  /** Speech until {@code quietAt}, then the model finds the silence one window later; returns the audio arrived. */
  private long speechThenQuiet(Endpointer e, long quietAt) {
    while (end + 512 <= quietAt) {
      feedSound(e, 0.95, 1);
    }
    feed(e, 0.9, 1, quietAt);
    feed(e, 0.05, 1, quietAt);
    return end;
  }

  /** Quiet 20 ms frames after {@code arrived}, short of the one that holds {@code completes}; returns the audio arrived. */
  private static long quietFramesUntil(Endpointer e, long arrived, long completes, long quietAt) {
    while (arrived + 320 < completes) {
      arrived += 320;
      e.audio(arrived, quietAt);
    }
    return arrived;
  }

  @Test
  void theClockEndsTheUtteranceWhenTheSilenceCompletesAndTheNextQuietFrameConfirmsIt() {
    Endpointer e = endpointer(0);
    long arrived = speechThenQuiet(e, QUIET_AT);
    assertEquals(COMPLETES, e.silenceCompletesAt(QUIET_AT), "the silence is complete 500 ms after the sound stopped");
    arrived = quietFramesUntil(e, arrived, COMPLETES, QUIET_AT);
    e.clock(COMPLETES - 1, QUIET_AT);
    assertEquals(List.of("start@0"), events, "not a sample early");
    e.clock(COMPLETES, QUIET_AT);
    assertEquals(List.of("start@0", "ending@0-" + QUIET_AT), events, "ended by the clock, before the frame that holds the instant");
    assertEquals(-1, e.silenceCompletesAt(QUIET_AT), "no second timer for the same silence");
    e.audio(arrived + 320, QUIET_AT);
    assertEquals(List.of("start@0", "ending@0-" + QUIET_AT, "end@0-" + QUIET_AT), events, "the quiet frame confirms it");
    assertEquals(false, e.speaking());
  }

  @Test
  void soundInTheFrameAfterTheClocksEndMeansTheCallerWentOn() {
    Endpointer e = endpointer(0);
    long arrived = speechThenQuiet(e, QUIET_AT);
    arrived = quietFramesUntil(e, arrived, COMPLETES, QUIET_AT);
    e.clock(COMPLETES, QUIET_AT);
    e.audio(arrived + 320, arrived + 160); // the frame holds sound: the caller speaks again
    assertEquals(List.of("start@0", "ending@0-" + QUIET_AT, "cancel"), events);
    assertEquals(true, e.speaking(), "the utterance goes on");
    assertEquals(-1, e.silenceCompletesAt(arrived + 160), "its silence is counted afresh");
    long again = arrived + 320;
    end = again;
    feed(e, 0.05, 16, again);
    assertEquals(List.of("start@0", "ending@0-" + QUIET_AT, "cancel", "end@0-" + again), events, "one utterance, ended after the new silence");
  }

  @Test
  void aWindowSayingSpeechUndoesTheClocksEnd() {
    Endpointer e = endpointer(0);
    speechThenQuiet(e, QUIET_AT);
    e.clock(COMPLETES, QUIET_AT);
    feed(e, 0.9, 1, QUIET_AT);
    assertEquals(List.of("start@0", "ending@0-" + QUIET_AT, "cancel"), events);
    assertEquals(true, e.speaking());
  }

  @Test
  void noClockEndForASilenceThatIsNotQuietOrASpeechTooShort() {
    Endpointer e = endpointer(0);
    feed(e, 0.9, 10);
    feed(e, 0.05, 1);
    assertEquals(-1, e.silenceCompletesAt(end + 3200), "sound after the model found the silence: the windows decide");
    assertEquals(-1, e.silenceCompletesAt(Long.MAX_VALUE), "a line where nothing is quiet");
    events.clear();
    Endpointer shortOne = endpointer(0);
    end = 0;
    feed(shortOne, 0.9, 3); // 96 ms: below the minimum speech
    feed(shortOne, 0.05, 1);
    assertEquals(-1, shortOne.silenceCompletesAt(0));
  }

  @Test
  void loudAudioSinceTheSilenceLeavesTheEndToTheWindows() {
    Endpointer e = endpointer(0);
    feed(e, 0.9, 10);
    long silence = end;
    feed(e, 0.05, 1);
    e.audio(silence + 600 * 16, silence + 3200); // something above the quiet level after the silence began (noise)
    assertEquals(List.of("start@0"), events, "not quiet: the model's windows decide");
    feed(e, 0.05, 15);
    assertEquals(List.of("start@0", "end@0-" + silence), events);
  }

  @Test
  void loudAudioAfterTheWindowOrNoQuietLevelChangesNothing() {
    Endpointer e = endpointer(0);
    feed(e, 0.9, 10);
    long silence = end;
    feed(e, 0.05, 16, Long.MAX_VALUE);
    assertEquals(List.of("start@0", "end@0-" + silence), events);
  }

  @Test
  void settingsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new Endpointer.Settings(1.2, 2, 200, 500, 0, 3000));
    assertThrows(IllegalArgumentException.class, () -> new Endpointer.Settings(0.5, 2, 200, 10, 0, 3000));
  }
}
