package io.switchboard.voice.audio;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound audio: whole frames, paced just ahead of real time, marks after segments, clear forgetting them. */
class PlayoutTest {

  private Vertx vertx;
  private final List<Object> sent = new CopyOnWriteArrayList<>();
  private Playout playout;
  /** The playout's clock, moved by the test: pacing is checked against it, not against the machine's speed. */
  private final AtomicLong clock = new AtomicLong(1_000_000);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    Playout.Sink sink = new Playout.Sink() {
      @Override
      public void frame(Buffer frame) {
        sent.add(frame);
      }

      @Override
      public void mark(String name) {
        sent.add("mark:" + name);
      }

      @Override
      public void clear() {
        sent.add("clear");
      }
    };
    playout = new Playout(vertx, OutputFormat.TWILIO, 100, sink, clock::get);
    playout.trustMarks();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private void on(Runnable r) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      r.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }

  /** Waits (bounded) for {@code n} frames: the playout's timers run late on a busy machine. */
  private void awaitFrames(long n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (frames() < n && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
  }

  private long frames() {
    return sent.stream().filter(o -> o instanceof Buffer).count();
  }

  @Test
  void wholeFramesPacedJustAheadOfRealTimeWithAMarkAfterEachSegment() throws Exception {
    on(() -> {
      playout.begin("one");
      playout.audio(new byte[8000 + 100]); // a second and a bit, in one go
      playout.end();
    });
    assertEquals(5, frames(), "the lead (100 ms) goes out at once");
    Thread.sleep(200);
    assertEquals(5, frames(), "nothing more while the clock stands");
    for (int i = 1; i <= 10; i++) { // the clock runs 100 ms a step; the playout's timers catch up with it
      clock.addAndGet(100);
      long expected = Math.min(51, 5 + 5L * i);
      awaitFrames(expected);
      Thread.sleep(50);
      assertEquals(expected, frames(), "never more than the clock allows: the lead stays 100 ms ahead");
    }
    assertEquals("mark:one", sent.get(sent.size() - 1), "the mark follows the segment's last frame");
    sent.stream().filter(o -> o instanceof Buffer).forEach(b -> assertEquals(160, ((Buffer) b).length()));
    Buffer last = (Buffer) sent.get(sent.size() - 2);
    assertEquals((byte) 0xFF, last.getByte(159), "padded with μ-law silence");
  }

  @Test
  void clearDropsTheQueueAndForgetsPendingMarks() throws Exception {
    Playout.Segment[] s = new Playout.Segment[1];
    on(() -> {
      s[0] = playout.begin("one");
      playout.audio(new byte[1600]);
      playout.end();
    });
    clock.addAndGet(300);
    Thread.sleep(100);
    on(() -> assertTrue(playout.busy(), "its mark has not come back"));
    on(() -> assertTrue(playout.playedMs(s[0]) < 200, "not all played while its mark is pending"));
    on(() -> {
      playout.begin("two");
      playout.audio(new byte[16000]);
      playout.clear();
    });
    long framesAtClear = frames();
    clock.addAndGet(1000);
    Thread.sleep(200);
    assertEquals(framesAtClear, frames(), "nothing more after the clear (the clock allows a second's worth)");
    assertEquals("clear", sent.get(sent.size() - 1));
    on(() -> {
      assertFalse(playout.confirmed("one"), "the echo of a mark pending at the clear counts for nothing");
      assertFalse(playout.busy());
    });
  }

  @Test
  void aMarkConfirmsItsSegmentAndThoseBefore() throws Exception {
    Playout.Segment[] s = new Playout.Segment[2];
    on(() -> {
      s[0] = playout.begin("a");
      playout.audio(new byte[320]);
      s[1] = playout.begin("b");
      playout.audio(new byte[320]);
      playout.end();
    });
    on(() -> {
      assertTrue(playout.confirmed("b"));
      assertEquals(40, playout.playedMs(s[0]));
      assertEquals(40, playout.playedMs(s[1]));
      assertFalse(playout.confirmed("a"), "already confirmed by b");
    });
  }
}
