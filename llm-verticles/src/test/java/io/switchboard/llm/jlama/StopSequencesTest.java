package io.switchboard.llm.jlama;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopSequencesTest {

  private static String feed(StopSequences s, String... pieces) {
    StringBuilder out = new StringBuilder();
    for (String p : pieces) {
      out.append(s.accept(p));
      if (s.stopped()) {
        break;
      }
    }
    return out.append(s.flush()).toString();
  }

  @Test
  void aStopSplitAcrossPiecesIsNeverEmitted() {
    StopSequences s = new StopSequences(List.of("END"));
    assertEquals("abc", s.accept("abc"));
    assertEquals("x", s.accept("xE"));
    assertEquals("", s.accept("N"));
    assertEquals("", s.accept("Dtail"));
    assertTrue(s.stopped());
    assertEquals("", s.flush());
  }

  @Test
  void aFalseStartIsReleased() {
    StopSequences s = new StopSequences(List.of("END"));
    assertEquals("abc", s.accept("abcEN"));
    assertEquals("ENx", s.accept("x"));
    assertFalse(s.stopped());
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    assertEquals("one ", feed(new StopSequences(List.of("three", "two")), "one two three"));
    assertEquals("a", feed(new StopSequences(List.of("bc", "b")), "ab", "c"));
  }

  @Test
  void heldTextIsFlushedWhenGenerationEndsOtherwise() {
    StopSequences s = new StopSequences(List.of("STOP"));
    assertEquals("go ", s.accept("go ST"));
    assertEquals("ST", s.flush());
  }

  @Test
  void noStopsMeansEverythingPassesAtOnce() {
    StopSequences s = new StopSequences(List.of());
    assertEquals("anything", s.accept("anything"));
    assertEquals("", new StopSequences(List.of("")).accept(""));
  }
}
