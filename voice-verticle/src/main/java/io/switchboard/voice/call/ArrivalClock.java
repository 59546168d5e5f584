package io.switchboard.voice.call;

import java.util.ArrayDeque;

/**
 * When each stretch of the caller's audio arrived, by sample index, so that "the caller stopped speaking at sample
 * N" becomes a moment: the start of voice-to-voice. Keeps the last ten seconds. On the call's context only.
 */
final class ArrivalClock {

  private static final int KEEP = 500; // 20 ms frames: ten seconds

  private record Entry(long endSample, long atMs) {
  }

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  /** Samples up to {@code endSample} (exclusive) had arrived at {@code atMs}. */
  void arrived(long endSample, long atMs) {
    entries.add(new Entry(endSample, atMs));
    if (entries.size() > KEEP) {
      entries.poll();
    }
  }

  /** When the latest stretch arrived; -1 before any. */
  long latest() {
    Entry e = entries.peekLast();
    return e == null ? -1 : e.atMs;
  }

  /** When sample {@code index} arrived (the earliest entry that covers it); -1 when it is too old or not here yet. */
  long at(long index) {
    for (Entry e : entries) {
      if (e.endSample > index) {
        return e.atMs;
      }
    }
    return -1;
  }
}
