package io.switchboard.voice.call;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SentenceChunkerTest {

  private static List<String> feed(SentenceChunker c, String text, int step) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < text.length(); i += step) {
      out.addAll(c.push(text.substring(i, Math.min(text.length(), i + step))));
    }
    out.addAll(c.flush());
    return out;
  }

  @Test
  void cutsAtSentenceEndsAsTheTextArrives() {
    SentenceChunker c = new SentenceChunker(16, 40, 240);
    assertEquals(List.of(), c.push("Hello there"));
    assertEquals(List.of("Hello there."), c.push(". How are"), "a sentence is given out as soon as whitespace follows its stop");
    assertEquals(List.of("How are you?"), c.push(" you? I"));
    assertEquals(List.of(), c.push(" am fine!"), "the last stop may still grow (\"!!\", \"...\"): it waits for more");
    assertEquals(List.of("I am fine!"), c.flush());
  }

  @Test
  void theFirstPieceIsCutWithoutWaitingForTheNextToken() {
    SentenceChunker c = new SentenceChunker(4, 40, 240);
    assertEquals(List.of("Sure."), c.push("Sure."), "the first piece's stop ends it at once");
    assertEquals(List.of(), c.push(" A table."), "later pieces still wait for the whitespace after the stop");
    assertEquals(List.of("A table."), c.push(" Done"));
    SentenceChunker numbers = new SentenceChunker(4, 40, 240);
    assertEquals(List.of(), numbers.push("It is 3."), "a digit before the stop waits: 3.5 may follow");
    assertEquals(List.of("It is 3.5 km."), numbers.push("5 km. Then"));
    SentenceChunker abbreviation = new SentenceChunker(16, 40, 240);
    assertEquals(List.of(), abbreviation.push("Dr."), "an abbreviation waits");
    assertEquals(List.of(), abbreviation.push(" Smith, yes"), "a clause shorter than the first clause length is not cut");
    SentenceChunker clause = new SentenceChunker(4, 40, 240);
    assertEquals(List.of("Well,"), clause.push("Well,"), "a clause mark counts for the first piece, as long as it is long enough");
    SentenceChunker thousands = new SentenceChunker(1, 40, 240);
    assertEquals(List.of(), thousands.push("About 1,"), "a digit before the comma waits: 1,000 may follow");
  }

  @Test
  void numbersAbbreviationsAndInitialsAreNotSentenceEnds() {
    SentenceChunker c = new SentenceChunker(100, 100, 400);
    List<String> pieces = feed(c, "It costs 3.50 dollars. Dr. Smith met Mr. J. Doe at 9 a.m. today. Done.", 3);
    assertEquals(List.of("It costs 3.50 dollars.", "Dr. Smith met Mr. J. Doe at 9 a.m. today.", "Done."), pieces);
  }

  @Test
  void clausesCutOnceLongEnoughAndSoonerForTheFirstPiece() {
    SentenceChunker c = new SentenceChunker(16, 40, 240);
    List<String> pieces = feed(c, "Well, the first train leaves at noon, and the second one, which is slower, leaves at two in the "
      + "afternoon; both stop in Lyon.", 5);
    assertEquals("Well, the first train leaves at noon,", pieces.get(0), "a clause under 16 characters is not cut: " + pieces);
    assertTrue(pieces.get(1).startsWith("and the second one, which is slower,"), pieces.toString());
    assertEquals("both stop in Lyon.", pieces.get(pieces.size() - 1));
  }

  @Test
  void longRunsAreCutAtASpaceAndMarkdownIsNotSpoken() {
    SentenceChunker c = new SentenceChunker(16, 40, 30);
    List<String> pieces = feed(c, "**Bold** words without any punctuation go on and on for a while", 4);
    assertTrue(pieces.stream().allMatch(p -> p.length() <= 30), pieces.toString());
    assertEquals("Bold words without any punctuation go on and on for a while", String.join(" ", pieces));
  }

  @Test
  void aCutOffTailIsDiscardedAndBlankPiecesAreNotGiven() {
    SentenceChunker c = new SentenceChunker(16, 40, 240);
    assertEquals(List.of("Sure."), c.push("Sure. The next"));
    c.discardPending();
    assertEquals(List.of(), c.flush());
    assertEquals(List.of(), c.push(" ... "));
    assertEquals(1, c.pieces());
  }
}
