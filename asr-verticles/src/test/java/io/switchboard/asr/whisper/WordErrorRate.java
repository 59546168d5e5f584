package io.switchboard.asr.whisper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word error rate: word-level Levenshtein distance (substitutions + deletions + insertions) over the reference
 * length, after the same normalisation of both sides: lower case, numbers written out as words ("12%" and
 * "twelve percent" agree), punctuation and apostrophes removed, hyphens split.
 */
final class WordErrorRate {

  private static final String[] ONES = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  private static final String[] TENS = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  /** Edit counts of one comparison. */
  record Score(int errors, int referenceWords) {
    double rate() {
      return referenceWords == 0 ? 0 : (double) errors / referenceWords;
    }

    Score plus(Score o) {
      return new Score(errors + o.errors, referenceWords + o.referenceWords);
    }
  }

  private WordErrorRate() {
  }

  static Score score(String reference, String hypothesis) {
    List<String> ref = words(reference);
    List<String> hyp = words(hypothesis);
    return new Score(editDistance(ref, hyp), ref.size());
  }

  static List<String> words(String text) {
    String t = text.toLowerCase(Locale.ROOT)
      .replace("%", " percent ")
      .replace("&", " and ")
      .replaceAll("(\\d),(\\d{3})", "$1$2")
      .replaceAll("[’']", "")
      .replaceAll("[^a-z0-9]+", " ");
    Matcher m = NUMBER.matcher(t);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, " " + spell(m.group()) + " ");
    }
    m.appendTail(sb);
    List<String> out = new ArrayList<>();
    for (String w : sb.toString().trim().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Classic dynamic programme over two rows. */
  static int editDistance(List<String> a, List<String> b) {
    int[] prev = new int[b.size() + 1];
    int[] cur = new int[b.size() + 1];
    for (int j = 0; j <= b.size(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.size(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.size(); j++) {
        int sub = prev[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] swap = prev;
      prev = cur;
      cur = swap;
    }
    return prev[b.size()];
  }

  /** English words for a non-negative integer written in digits (digit by digit beyond a million). */
  static String spell(String digits) {
    if (digits.length() > 6) {
      StringBuilder sb = new StringBuilder();
      for (char c : digits.toCharArray()) {
        sb.append(ONES[c - '0']).append(' ');
      }
      return sb.toString().trim();
    }
    int n = Integer.parseInt(digits);
    if (n == 0) {
      return "zero";
    }
    StringBuilder sb = new StringBuilder();
    if (n >= 1000) {
      sb.append(below1000(n / 1000)).append(" thousand ");
      n %= 1000;
    }
    if (n > 0) {
      sb.append(below1000(n));
    }
    return sb.toString().trim();
  }

  private static String below1000(int n) {
    StringBuilder sb = new StringBuilder();
    if (n >= 100) {
      sb.append(ONES[n / 100]).append(" hundred ");
      n %= 100;
    }
    if (n >= 20) {
      sb.append(TENS[n / 10]).append(' ');
      n %= 10;
      if (n > 0) {
        sb.append(ONES[n]);
      }
    } else if (n > 0) {
      sb.append(ONES[n]);
    }
    return sb.toString().trim();
  }
}
