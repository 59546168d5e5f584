package io.switchboard.voice.call;

import io.switchboard.voice.audio.Playout;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of an answer as far as the caller heard it: each spoken piece with the audio segment it became; pieces
 * played whole count whole, the piece playing when the answer stopped counts up to the word its played share of
 * the audio reaches, and nothing after it counts. On the call's context only.
 */
final class HeardText {

  private static final class Piece {
    final String text;
    Playout.Segment segment;

    Piece(String text, Playout.Segment segment) {
      this.text = text;
      this.segment = segment;
    }
  }

  private final List<Piece> pieces = new ArrayList<>();

  void add(String text, Playout.Segment segment) {
    pieces.add(new Piece(text, segment));
  }

  /** A piece spoken again from its start (after a cut): what was heard of it is told by the new segment. */
  void replace(Playout.Segment old, Playout.Segment again) {
    for (Piece p : pieces) {
      if (p.segment == old) {
        p.segment = again;
      }
    }
  }

  boolean isEmpty() {
    return pieces.isEmpty();
  }

  /** Every piece's text, whether heard or not. */
  String all() {
    StringBuilder sb = new StringBuilder();
    pieces.forEach(p -> sb.append(sb.isEmpty() ? "" : " ").append(p.text));
    return sb.toString();
  }

  /** What {@code playout} says was heard by now. */
  String heard(Playout playout) {
    StringBuilder sb = new StringBuilder();
    for (Piece p : pieces) {
      long duration = p.segment.durationMs();
      long played = playout.playedMs(p.segment);
      if (duration > 0 && played >= duration) {
        sb.append(sb.isEmpty() ? "" : " ").append(p.text);
        continue;
      }
      String part = duration > 0 ? prefix(p.text, (double) played / duration) : "";
      if (!part.isEmpty()) {
        sb.append(sb.isEmpty() ? "" : " ").append(part);
      }
      break;
    }
    return sb.toString();
  }

  /** The words of {@code text} that fit in {@code share} of its length (whole words only). */
  static String prefix(String text, double share) {
    int n = (int) Math.floor(text.length() * Math.max(0, Math.min(1, share)));
    if (n >= text.length()) {
      return text;
    }
    int space = text.lastIndexOf(' ', n);
    return space <= 0 ? "" : text.substring(0, space).strip();
  }
}
