package io.switchboard.llm.jlama;

import java.util.List;

/**
 * OpenAI's {@code stop}: generation ends at the first stop sequence, which is not part of the answer. Text that
 * might be the start of a stop sequence is held back until the next pieces show whether it is, so nothing of a stop
 * sequence ever leaves, even when it is split across tokens. Not thread-safe: one per generation.
 */
final class StopSequences {

  private final List<String> stops;
  private final StringBuilder held = new StringBuilder();
  private boolean stopped;

  StopSequences(List<String> stops) {
    this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
  }

  /** Adds generated text; returns what may be emitted now (possibly empty). After a stop, returns "" for ever. */
  String accept(String piece) {
    if (stopped) {
      return "";
    }
    held.append(piece);
    int at = firstStop();
    if (at >= 0) {
      stopped = true;
      String out = held.substring(0, at);
      held.setLength(0);
      return out;
    }
    int keep = longestPrefixSuffix();
    String out = held.substring(0, held.length() - keep);
    held.delete(0, held.length() - keep);
    return out;
  }

  /** True once a stop sequence was seen: the caller stops generating. */
  boolean stopped() {
    return stopped;
  }

  /** What was held back when generation ended for another reason (length, end token): it was no stop sequence. */
  String flush() {
    String out = stopped ? "" : held.toString();
    held.setLength(0);
    return out;
  }

  private int firstStop() {
    int best = -1;
    for (String s : stops) {
      int i = held.indexOf(s);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
      }
    }
    return best;
  }

  /** Length of the longest tail of the held text that is a proper prefix of some stop sequence. */
  private int longestPrefixSuffix() {
    int best = 0;
    String h = held.toString();
    for (String s : stops) {
      int max = Math.min(s.length() - 1, h.length());
      for (int n = max; n > best; n--) {
        if (h.regionMatches(h.length() - n, s, 0, n)) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
