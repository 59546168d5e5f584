package io.switchboard.llm.embed;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text half of BERT tokenisation, as Hugging Face's {@code BertNormalizer} and {@code BertPreTokenizer} do it:
 * drop control characters, space out CJK ideographs, strip accents, lowercase, then split on whitespace and around
 * every punctuation character.
 */
record BertText(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase) {

  String normalize(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 8);
    text.codePoints().forEach(c -> {
      if (cleanText) {
        if (c == 0 || c == 0xFFFD || isControl(c)) {
          return;
        }
        if (isWhitespace(c)) {
          sb.append(' ');
          return;
        }
      }
      if (chineseChars && isCjk(c)) {
        sb.append(' ').appendCodePoint(c).append(' ');
      } else {
        sb.appendCodePoint(c);
      }
    });
    String s = sb.toString();
    if (stripAccents) {
      StringBuilder out = new StringBuilder(s.length());
      Normalizer.normalize(s, Normalizer.Form.NFD).codePoints()
        .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
        .forEach(out::appendCodePoint);
      s = out.toString();
    }
    return lowercase ? lowercase(s) : s;
  }

  /** Character by character, as the reference does: no context rules such as Greek final sigma. */
  private static String lowercase(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (c < 128) {
        out.append((char) Character.toLowerCase(c));
      } else {
        out.append(Character.toString(c).toLowerCase(Locale.ROOT));
      }
    });
    return out.toString();
  }

  /** Words and single punctuation characters, in order. */
  static List<String> preTokenize(String normalized) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    normalized.codePoints().forEach(c -> {
      if (isWhitespace(c)) {
        flush(word, out);
      } else if (isPunctuation(c)) {
        flush(word, out);
        out.add(Character.toString(c));
      } else {
        word.appendCodePoint(c);
      }
    });
    flush(word, out);
    return out;
  }

  private static void flush(StringBuilder word, List<String> out) {
    if (!word.isEmpty()) {
      out.add(word.toString());
      word.setLength(0);
    }
  }

  /** Rust's {@code char::is_whitespace} (Unicode White_Space), which the reference tokenizer uses. */
  static boolean isWhitespace(int c) {
    return switch (c) {
      case '\t', '\n', 0x0B, 0x0C, '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
      default -> c >= 0x2000 && c <= 0x200A;
    };
  }

  /** Control, format, surrogate and private-use characters; not tab and newlines (whitespace), nor unassigned ones (the reference keeps those, as [UNK]). */
  static boolean isControl(int c) {
    if (c == '\t' || c == '\n' || c == '\r') {
      return false;
    }
    int t = Character.getType(c);
    return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE;
  }

  /** ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~) or any Unicode P* category. */
  static boolean isPunctuation(int c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
      return true;
    }
    return switch (Character.getType(c)) {
      case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
           Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
           Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  /** The CJK Unified Ideograph blocks BERT spaces out (not Hiragana, Katakana nor Hangul). */
  static boolean isCjk(int c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
      || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
      || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
  }
}
