package io.switchboard.voice.call;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cuts a streamed answer into pieces to speak as the text arrives: at the end of each sentence, and at a clause
 * boundary (comma, semicolon, colon, dash) once the piece is long enough to sound whole, shorter for the first piece
 * of an answer so that speech starts sooner. A boundary counts only when whitespace follows it, so {@code 3.5} and
 * {@code U.S.A} are not cut, nor common abbreviations ({@code Dr. Smith}). A piece that runs past {@code maxChars}
 * without a boundary is cut at its last space. Markdown emphasis and heading marks are dropped: they are not spoken.
 *
 * <p>The answer's first piece is what the caller waits for, so it does not wait for the whitespace: a stop or clause
 * mark that ends the text so far, right after a word of two letters or more ({@code Sure.}, {@code Well,}), cuts it
 * at once rather than one token later. A digit before it ({@code 3.}, {@code 1,}) or an abbreviation still waits.
 * The cost is a rare wrong cut ({@code Wow!!} spoken as {@code Wow!}: a lone {@code !} is no piece).
 */
public final class SentenceChunker {

  private static final Set<String> ABBREVIATIONS = Set.of("mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "a.m",
    "p.m", "no", "jr", "sr", "prof", "inc", "ltd", "approx", "dept", "mt", "fig");

  private final int firstClauseChars;
  private final int clauseChars;
  private final int maxChars;
  private final StringBuilder pending = new StringBuilder();
  private int pieces;

  /**
   * @param firstClauseChars the least length at which the answer's first piece is cut at a clause boundary
   * @param clauseChars      the same for every later piece
   * @param maxChars         the longest piece
   */
  public SentenceChunker(int firstClauseChars, int clauseChars, int maxChars) {
    this.firstClauseChars = firstClauseChars;
    this.clauseChars = clauseChars;
    this.maxChars = maxChars;
  }

  /** Adds streamed text; returns the pieces it completed (often none). */
  public List<String> push(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '*' && c != '#' && c != '`') {
        pending.append(c);
      }
    }
    List<String> out = new ArrayList<>();
    int cut;
    while ((cut = nextCut()) > 0) {
      emit(cut, out);
    }
    return out;
  }

  /** The end of the answer: whatever is left, as a last piece (none when it is blank). */
  public List<String> flush() {
    List<String> out = new ArrayList<>();
    emit(pending.length(), out);
    return out;
  }

  /** Forgets the text not yet cut into a piece (an answer cut off mid-sentence is not spoken half). */
  public void discardPending() {
    pending.setLength(0);
  }

  /** Pieces given out so far. */
  public int pieces() {
    return pieces;
  }

  /** The end (exclusive) of the first complete piece in {@code pending}, or 0 when there is none yet. */
  private int nextCut() {
    int clauseMin = pieces == 0 ? firstClauseChars : clauseChars;
    for (int i = 0; i < pending.length(); i++) {
      char c = pending.charAt(i);
      if (i + 1 == pending.length() ? !endsWord(i) : !Character.isWhitespace(pending.charAt(i + 1))) {
        continue;
      }
      if ((c == '.' || c == '!' || c == '?' || c == '…' || c == '\n') && !abbreviation(i) && i > 0) {
        return i + 1;
      }
      if ((c == ',' || c == ';' || c == ':' || c == '—' || c == '–') && i + 1 >= clauseMin) {
        return i + 1;
      }
    }
    if (pending.length() > maxChars) {
      int space = pending.lastIndexOf(" ", maxChars);
      return space > 0 ? space : maxChars;
    }
    return 0;
  }

  /** The first piece's mark at the end of the text so far cuts at once when a word of two letters ends there. */
  private boolean endsWord(int mark) {
    return pieces == 0 && mark >= 2 && Character.isLetter(pending.charAt(mark - 1)) && Character.isLetter(pending.charAt(mark - 2));
  }

  private boolean abbreviation(int dot) {
    if (pending.charAt(dot) != '.') {
      return false;
    }
    int start = dot;
    while (start > 0 && !Character.isWhitespace(pending.charAt(start - 1))) {
      start--;
    }
    String word = pending.substring(start, dot).toLowerCase(Locale.ROOT);
    return ABBREVIATIONS.contains(word) || word.length() == 1 && Character.isLetter(word.charAt(0));
  }

  private void emit(int end, List<String> out) {
    String piece = pending.substring(0, end).strip();
    pending.delete(0, end);
    if (!piece.isEmpty() && piece.chars().anyMatch(Character::isLetterOrDigit)) {
      out.add(piece);
      pieces++;
    }
  }
}
