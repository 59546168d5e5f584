package io.switchboard.voice.realtime;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Playout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The model's audio, item by item, into the call's {@link Playout}: each delta's whole frames become one segment with
 * its mark (the rest waits for the next delta, so no silence is padded into the middle of speech), and what the caller
 * heard of the current item is the sum of its segments' played time (a segment counts in full once its mark came
 * back; the one playing counts by the play clock). That is the {@code audio_end_ms} a barge-in truncates the item to.
 * The call's context only.
 */
final class ItemPlayback {

  private final Playout playout;
  private final OutputFormat format;
  private final List<Playout.Segment> segments = new ArrayList<>();
  private String item;
  private byte[] carry = new byte[0];
  private int next;

  ItemPlayback(Playout playout) {
    this.playout = playout;
    this.format = playout.format();
  }

  /** The assistant item whose audio is playing or was played last, or null. */
  String item() {
    return item;
  }

  /** Audio of {@code itemId} in the call's output format. */
  void audio(String itemId, byte[] bytes) {
    if (!itemId.equals(item)) {
      flush();
      item = itemId;
      segments.clear();
    }
    byte[] all = carry.length == 0 ? bytes : concat(carry, bytes);
    int whole = all.length / format.frameBytes() * format.frameBytes();
    carry = Arrays.copyOfRange(all, whole, all.length);
    if (whole > 0) {
      segment(whole == all.length ? all : Arrays.copyOf(all, whole));
    }
  }

  /** The item's audio is complete: what is left short of a frame goes out (padded with silence). */
  void flush() {
    if (carry.length > 0) {
      byte[] rest = carry;
      carry = new byte[0];
      segment(rest);
    }
  }

  /** Milliseconds of the current item the caller has heard. */
  long heardMs() {
    long ms = 0;
    for (Playout.Segment s : segments) {
      ms += playout.playedMs(s);
    }
    return ms;
  }

  /** The caller interrupted: nothing of the item plays any more. */
  void cleared() {
    item = null;
    segments.clear();
    carry = new byte[0];
  }

  private void segment(byte[] bytes) {
    segments.add(playout.begin("rt" + (++next)));
    playout.audio(bytes);
    playout.end();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
