package io.switchboard.voice.audio;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The agent's outbound audio: cut into whole 20 ms frames and sent just ahead of real time (at most
 * {@code leadMs} beyond what the caller has heard by now), so that a barge-in's {@code clear} has little to clear
 * and what was heard can be told from the clock. The audio comes in segments (one per spoken piece of text); each
 * ends with a mark, which the client echoes when playback reaches it (Twilio does; a plain-socket client may). Once
 * marks are known to come back ({@link #trustMarks}), a segment counts as played only when its mark has, and the
 * agent is speaking until the last one has; without them the clock alone decides.
 *
 * <p>The play clock: the client plays frames back to back in real time, starting as a frame arrives when it has
 * nothing left to play. So the frame sent when the clock's {@code playhead} (where the client's buffer ends) lies in
 * the past starts playing at once, and every frame after it 20 ms later. Not thread-safe: the call's context only.
 */
public final class Playout {

  /** Where frames, marks and clears go (the transport). */
  public interface Sink {
    void frame(Buffer frame);

    void mark(String name);

    void clear();
  }

  /** One spoken piece: its frames, when they play, and whether the client confirmed the end of it. */
  public static final class Segment {
    private final String name;
    private int frames;
    private long playStart = -1;
    private boolean ended;
    private boolean confirmed;

    Segment(String name) {
      this.name = name;
    }

    public String name() {
      return name;
    }

    public long durationMs() {
      return (long) frames * OutputFormat.FRAME_MS;
    }

  }

  private record Frame(Segment segment, Buffer bytes) {
  }

  private final Vertx vertx;
  private final OutputFormat format;
  private final long leadMs;
  private final Sink sink;
  private final LongSupplier clockMs;
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private final Map<String, Segment> pendingMarks = new LinkedHashMap<>();
  /** The open segment's bytes short of a whole frame. */
  private byte[] partial = new byte[0];
  private int partialLength;
  private Segment open;
  private long playhead;
  private long timer = -1;
  private long framesSent;
  private int queuedFrames;
  private long lowWaterMs;
  private Runnable lowWaterListener;
  private Runnable firstFrameListener;
  private boolean closed;
  private boolean trustMarks;
  private long audibleSince = -1;

  public Playout(Vertx vertx, OutputFormat format, long leadMs, Sink sink, LongSupplier clockMs) {
    this.vertx = vertx;
    this.format = format;
    this.leadMs = leadMs;
    this.sink = sink;
    this.clockMs = clockMs;
  }

  public OutputFormat format() {
    return format;
  }

  /** Opens a segment for the audio that follows; ends the one open before, if any. */
  public Segment begin(String name) {
    if (open != null) {
      end();
    }
    open = new Segment(name);
    return open;
  }

  /** Audio of the open segment, in the output format; whole frames are queued at once, the rest waits. */
  public void audio(byte[] bytes) {
    if (open == null || closed) {
      return;
    }
    int size = format.frameBytes();
    int total = partialLength + bytes.length;
    int whole = total / size * size;
    if (whole == 0) {
      partial = java.util.Arrays.copyOf(partial, Math.max(partial.length, size));
      System.arraycopy(bytes, 0, partial, partialLength, bytes.length);
      partialLength = total;
      return;
    }
    byte[] all = new byte[total];
    System.arraycopy(partial, 0, all, 0, partialLength);
    System.arraycopy(bytes, 0, all, partialLength, bytes.length);
    for (int at = 0; at < whole; at += size) {
      queue.add(new Frame(open, Buffer.buffer(java.util.Arrays.copyOfRange(all, at, at + size))));
      open.frames++;
      queuedFrames++;
    }
    partial = java.util.Arrays.copyOfRange(all, whole, whole + Math.max(size, total - whole));
    partialLength = total - whole;
    pump();
  }

  /** Ends the open segment: its last partial frame is padded with silence, and its mark follows it. */
  public void end() {
    Segment s = open;
    if (s == null) {
      return;
    }
    open = null;
    if (partialLength > 0) {
      byte[] frame = new byte[format.frameBytes()];
      java.util.Arrays.fill(frame, format.silence());
      System.arraycopy(partial, 0, frame, 0, partialLength);
      queue.add(new Frame(s, Buffer.buffer(frame)));
      s.frames++;
      queuedFrames++;
      partialLength = 0;
    }
    s.ended = true;
    queue.add(s);
    pump();
  }

  /** From now on the client's mark echoes say what was played (Twilio from the start; a plain client once it echoes). */
  public void trustMarks() {
    trustMarks = true;
  }

  /**
   * The client played everything up to mark {@code name}. False when the mark is not one this playout is waiting
   * for (unknown, or pending when a {@link #clear} dropped it).
   */
  public boolean confirmed(String name) {
    Segment s = pendingMarks.get(name);
    if (s == null) {
      return false;
    }
    // A mark confirms every mark sent before it: playback is in order.
    var it = pendingMarks.entrySet().iterator();
    while (it.hasNext()) {
      Segment earlier = it.next().getValue();
      earlier.confirmed = true;
      it.remove();
      if (earlier == s) {
        break;
      }
    }
    return true;
  }

  /**
   * Stops at once: queued frames are dropped and the client is told to drop what it buffered ({@code clear}). The
   * marks still pending are forgotten, so their echoes (Twilio returns every pending mark on a clear) count for nothing.
   */
  public void clear() {
    queue.clear();
    queuedFrames = 0;
    lowWaterListener = null;
    partialLength = 0;
    open = null;
    pendingMarks.clear();
    cancelTimer();
    playhead = Math.min(playhead, clockMs.getAsLong());
    if (!closed) {
      sink.clear();
    }
  }

  /** How long {@code s} has played by now, by the clock (its whole length once confirmed). */
  public long playedMs(Segment s) {
    if (s.confirmed) {
      return s.durationMs();
    }
    if (s.playStart < 0) {
      return 0;
    }
    long played = Math.max(0, Math.min(clockMs.getAsLong() - s.playStart, s.durationMs()));
    // The client has not confirmed the end of it: it has not all played, whatever the clock says.
    return trustMarks && s.ended ? Math.min(played, Math.max(0, s.durationMs() - OutputFormat.FRAME_MS)) : played;
  }

  /** True while audio is queued here, still playing by the clock, or awaiting its mark. */
  public boolean busy() {
    return !queue.isEmpty() || open != null || playhead > clockMs.getAsLong() || trustMarks && !pendingMarks.isEmpty();
  }

  /** Since when the agent's audio has been playing without a break (clock milliseconds), or -1 when it is not. */
  public long audibleSince() {
    return busy() ? audibleSince : -1;
  }

  /** Milliseconds of audio queued here, not yet sent. */
  public long queuedMs() {
    return (long) queuedFrames * OutputFormat.FRAME_MS;
  }

  /** Runs {@code listener} once, when the audio queued here drops below {@code ms} (a producer paused above it resumes). */
  public void onLowWater(long ms, Runnable listener) {
    this.lowWaterMs = ms;
    this.lowWaterListener = listener;
    if (queuedMs() < ms) {
      fireLowWater();
    }
  }

  private void fireLowWater() {
    Runnable r = lowWaterListener;
    lowWaterListener = null;
    if (r != null) {
      r.run();
    }
  }

  /** Milliseconds of audio sent so far. */
  public long sentMs() {
    return framesSent * OutputFormat.FRAME_MS;
  }

  /** Runs (once) when the next frame goes out. */
  public void onFirstFrame(Runnable listener) {
    this.firstFrameListener = listener;
  }

  /** Stops sending anything (the call is over). */
  public void close() {
    closed = true;
    queue.clear();
    queuedFrames = 0;
    cancelTimer();
  }

  private void pump() {
    if (closed || timer >= 0) {
      return;
    }
    long now = clockMs.getAsLong();
    while (!queue.isEmpty() && playhead < now + leadMs) {
      Object next = queue.poll();
      if (next instanceof Frame f) {
        if (playhead < now) {
          playhead = now; // the client ran dry: this frame plays as it arrives
          if (pendingMarks.isEmpty() || !trustMarks) {
            audibleSince = now;
          }
        }
        if (f.segment.playStart < 0) {
          f.segment.playStart = playhead;
        }
        playhead += OutputFormat.FRAME_MS;
        framesSent++;
        queuedFrames--;
        sink.frame(f.bytes);
        if (firstFrameListener != null) {
          Runnable r = firstFrameListener;
          firstFrameListener = null;
          r.run();
        }
      } else if (next instanceof Segment s) {
        pendingMarks.put(s.name, s);
        sink.mark(s.name);
      }
    }
    if (lowWaterListener != null && queuedMs() < lowWaterMs) {
      fireLowWater();
    }
    if (!queue.isEmpty()) {
      // Wake when the lead has shrunk by a couple of frames, not for every frame.
      long wait = Math.max(1, playhead - leadMs - now + 2L * OutputFormat.FRAME_MS);
      timer = vertx.setTimer(wait, t -> {
        timer = -1;
        pump();
      });
    }
  }

  private void cancelTimer() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
