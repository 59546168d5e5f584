package io.switchboard.tts.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cuts text into sentences so speech can start after the first one is rendered. A sentence ends at {@code . ! ?
 * ;} followed by a space (closing quotes and brackets stay with it), at a line break, and at CJK full stops. A
 * period does not end a sentence after a known abbreviation ("Dr.", "e.g."), after a single-letter initial, or
 * when the next word starts in lower case. Pieces longer than a limit are cut at the last comma or space before
 * it, so one run-on sentence cannot hold back the first audio. Pieces with nothing to say (only punctuation) are
 * dropped.
 */
final class SentenceSplitter {

  private static final Set<String> ABBREVIATIONS = Set.of(
    "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "etc", "e.g", "i.e", "cf", "al",
    "a.m", "p.m", "approx", "ca", "inc", "ltd", "co", "corp", "dept", "eds", "gen", "col", "lt", "sgt", "capt",
    "rev", "hon", "u.s", "u.k", "jan", "feb", "apr", "jun", "jul", "aug", "sept", "oct", "nov", "tue", "thu", "fri");
  /** Abbreviations that are ordinary words too ("no"): they only hold the sentence together before a number. */
  private static final Set<String> BEFORE_NUMBER = Set.of("no", "nos", "p", "pp", "vol", "fig", "figs", "ch", "sec", "art");
  private static final String CLOSERS = "\"'”’)]}»";
  private static final String ALWAYS_END = "。！？";

  private SentenceSplitter() {
  }

  /** The sentences of {@code text}, each at most {@code maxChars} long, in order. */
  static List<String> split(String text, int maxChars) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      int end = -1;
      if (c == '\n' || c == '\r') {
        end = i;
      } else if (ALWAYS_END.indexOf(c) >= 0) {
        end = i + 1;
      } else if (c == '!' || c == '?' || c == ';' || c == '.') {
        int j = afterPunctuation(text, i);
        if (j == n || Character.isWhitespace(text.charAt(j))) {
          if (c != '.' || periodEndsSentence(text, start, i, j)) {
            end = j;
          }
        }
        i = j - 1;
      }
      if (end >= 0) {
        add(out, text.substring(start, end), maxChars);
        start = end;
      }
    }
    add(out, text.substring(start), maxChars);
    return out;
  }

  /** The index after a run of terminal punctuation and closing quotes/brackets starting at {@code i}. */
  private static int afterPunctuation(String text, int i) {
    int j = i + 1;
    while (j < text.length() && (".!?;".indexOf(text.charAt(j)) >= 0 || CLOSERS.indexOf(text.charAt(j)) >= 0)) {
      j++;
    }
    return j;
  }

  private static boolean periodEndsSentence(String text, int sentenceStart, int period, int after) {
    String word = wordBefore(text, sentenceStart, period).toLowerCase(Locale.ROOT);
    int k = after;
    while (k < text.length() && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
      k++;
    }
    if (k >= text.length()) {
      return true;
    }
    char next = text.charAt(k);
    if (ABBREVIATIONS.contains(word) || (BEFORE_NUMBER.contains(word) && Character.isDigit(next))) {
      return false;
    }
    if (word.length() == 1 && Character.isLetter(word.charAt(0)) && !BEFORE_NUMBER.contains(word)) {
      return false;
    }
    return !Character.isLowerCase(next);
  }

  /** The word that ends at {@code period}, without leading quotes or brackets. */
  private static String wordBefore(String text, int from, int period) {
    int k = period;
    while (k > from && !Character.isWhitespace(text.charAt(k - 1))) {
      k--;
    }
    String word = text.substring(k, period);
    int lead = 0;
    while (lead < word.length() && !Character.isLetterOrDigit(word.charAt(lead))) {
      lead++;
    }
    return word.substring(lead);
  }

  private static void add(List<String> out, String piece, int maxChars) {
    String s = piece.strip();
    while (s.length() > maxChars) {
      int cut = cutPoint(s, maxChars);
      addIfSpeakable(out, s.substring(0, cut).strip());
      s = s.substring(cut).strip();
    }
    addIfSpeakable(out, s);
  }

  /** Where to cut an over-long piece: after the last comma, else at the last space, else hard at the limit. */
  private static int cutPoint(String s, int maxChars) {
    int comma = s.lastIndexOf(", ", maxChars - 1);
    if (comma > maxChars / 4) {
      return comma + 1;
    }
    int space = s.lastIndexOf(' ', maxChars);
    if (space > maxChars / 4) {
      return space;
    }
    return Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  }

  private static void addIfSpeakable(List<String> out, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isLetterOrDigit(s.charAt(i))) {
        out.add(s);
        return;
      }
    }
  }
}
