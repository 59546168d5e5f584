package io.switchboard.asr.whisper;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WER used by the round-trip suite must itself be right, or the suite proves nothing. */
class WordErrorRateTest {

  @Test
  void countsSubstitutionsDeletionsAndInsertions() {
    assertEquals(0, WordErrorRate.editDistance(List.of("a", "b", "c"), List.of("a", "b", "c")));
    assertEquals(1, WordErrorRate.editDistance(List.of("a", "b", "c"), List.of("a", "x", "c")));
    assertEquals(1, WordErrorRate.editDistance(List.of("a", "b", "c"), List.of("a", "c")));
    assertEquals(1, WordErrorRate.editDistance(List.of("a", "b", "c"), List.of("a", "b", "x", "c")));
    assertEquals(3, WordErrorRate.editDistance(List.of("a", "b", "c"), List.of()));
    assertEquals(2, WordErrorRate.editDistance(List.of(), List.of("x", "y")));
    assertEquals(4, WordErrorRate.editDistance(List.of("kitten", "sat", "on", "mat"), List.of("sitting", "on", "the", "mats")));
  }

  @Test
  void normalisesCasePunctuationAndNumbersOnBothSides() {
    assertEquals(0, WordErrorRate.score("Spending rose by twelve percent.", "spending rose by 12%").errors());
    assertEquals(0, WordErrorRate.score("Platform 7, at nine-thirty!", "platform seven at nine thirty").errors());
    assertEquals(0, WordErrorRate.score("It's 1,250 dollars", "its one thousand two hundred fifty dollars").errors());
    assertEquals(List.of("forty", "five", "minutes"), WordErrorRate.words("45 minutes"));
    assertEquals("one hundred seven", WordErrorRate.spell("107"));
  }

  @Test
  void rateIsErrorsOverReferenceWords() {
    WordErrorRate.Score s = WordErrorRate.score("the cat sat on the mat", "the cat sat on a hat");
    assertEquals(2, s.errors());
    assertEquals(6, s.referenceWords());
    assertEquals(2 / 6.0, s.rate(), 1e-9);
    assertEquals(8, s.plus(WordErrorRate.score("one two", "one two")).referenceWords());
  }
}
