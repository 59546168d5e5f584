package io.switchboard.tts.local;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SentenceSplitterTest {

  private static List<String> split(String text) {
    return SentenceSplitter.split(text, 400);
  }

  @Test
  void splitsAtTerminalPunctuationAndLineBreaks() {
    assertEquals(List.of("Hello there.", "How are you?", "Great!", "First part;", "second part", "New line"),
      split("Hello there. How are you? Great! First part; second part\nNew line"));
  }

  @Test
  void keepsAbbreviationsInitialsAndNumbersTogether() {
    assertEquals(List.of("Dr. Smith met Mrs. Jones at 3.30 p.m. on Oct. 5.", "They talked, e.g. about J. R. R. Tolkien."),
      split("Dr. Smith met Mrs. Jones at 3.30 p.m. on Oct. 5. They talked, e.g. about J. R. R. Tolkien."));
    assertEquals(List.of("See No. 5 and p. 12.", "I said no.", "Then I left."),
      split("See No. 5 and p. 12. I said no. Then I left."));
  }

  @Test
  void aPeriodBeforeALowerCaseWordDoesNotEndTheSentence() {
    assertEquals(List.of("It costs approx. ten dollars, etc. and more."), split("It costs approx. ten dollars, etc. and more."));
  }

  @Test
  void closingQuotesAndEllipsesStayWithTheirSentence() {
    assertEquals(List.of("He said \"Stop.\"", "Then... nothing.", "(Really?)", "Yes."),
      split("He said \"Stop.\" Then... nothing. (Really?) Yes."));
  }

  @Test
  void dropsPiecesWithNothingToSayAndBlankLines() {
    assertEquals(List.of("One.", "Two."), split("  One.\n\n ... \n!!\nTwo.  "));
    assertTrue(split(" ?! ... ").isEmpty());
  }

  @Test
  void cutsRunOnSentencesAtACommaOrSpace() {
    String runOn = "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma";
    List<String> parts = SentenceSplitter.split(runOn, 40);
    assertTrue(parts.size() >= 3, parts.toString());
    assertEquals("alpha beta gamma,", parts.get(0));
    for (String p : parts) {
      assertTrue(p.length() <= 40, p);
    }
    assertEquals(runOn, String.join(" ", parts));
  }

  @Test
  void splitsChineseFullStops() {
    assertEquals(List.of("你好。", "今天天气很好！"), split("你好。今天天气很好！"));
  }
}
