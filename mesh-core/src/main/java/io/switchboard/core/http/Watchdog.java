package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The clocks of one upstream call: the end of the call (its deadline or total budget), always running, and one phase
 * limit (first byte, then idle between reads) that {@link #arm} sets as the call moves on. Whichever runs out first
 * hands a {@link ErrorCode#TIMEOUT} naming it to {@code onTimeout}, once.
 *
 * <p>One timer serves both clocks: it is set for whichever runs out first, and when it fires before anything ran out
 * (a read came, the phase changed, the reader paused) it sets itself again for what is left. A read only stamps the
 * time ({@link #touch}), and a new phase whose limit ends after the timer leaves it as it is, so a call that answers in
 * time sets one timer and cancels it (three before: the end, the first byte, the idle limit). While the reader is paused
 * on purpose (back-pressure from a slow caller) idle time does not count. Not thread-safe: use it on the call's context.
 */
public final class Watchdog {

  private final Vertx vertx;
  private final String id;
  private final Consumer<MeshException> onTimeout;
  private long timer = -1;
  /** When the pending timer fires (System.nanoTime). */
  private long timerDue;
  private boolean hasEnd;
  private long endNanos;
  private long totalMs;
  private long limitNanos;
  private long limitMs;
  private String phase;
  private long lastActivity;
  private boolean paused;
  private boolean done;

  public Watchdog(Vertx vertx, String id, Consumer<MeshException> onTimeout) {
    this.vertx = vertx;
    this.id = id;
    this.onTimeout = onTimeout;
  }

  /**
   * Starts the end clock: at {@code endMs} (epoch ms) the call is over; {@code totalMs} is the call's own budget that
   * set it, or 0 when the caller's deadline did. {@code Long.MAX_VALUE}: no end but the phase limits.
   */
  public void endAt(long endMs, long totalMs) {
    if (!done && !hasEnd && endMs != Long.MAX_VALUE) {
      hasEnd = true;
      long in = TimeUnit.MILLISECONDS.toNanos(Math.max(1, endMs - System.currentTimeMillis()));
      endNanos = System.nanoTime() + Math.min(in, Long.MAX_VALUE / 4); // compared by difference: no overflow
      this.totalMs = totalMs;
      watch();
    }
  }

  /**
   * (Re)starts the phase clock: {@code limitMs} from now without activity trips it. {@code phase} names what is
   * awaited ("no response headers within"); the message is made only if it trips.
   */
  public void arm(long limitMs, String phase) {
    if (done) {
      return;
    }
    this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMs);
    this.limitMs = limitMs;
    this.phase = phase;
    touch();
    watch();
  }

  /** Something arrived: the phase clock restarts. */
  public void touch() {
    lastActivity = System.nanoTime();
  }

  /** The reader stopped reading on purpose: idle time does not count until {@link #resume}. */
  public void pause() {
    paused = true;
  }

  public void resume() {
    paused = false;
    touch();
    if (!done) {
      watch();
    }
  }

  /** The call is over: nothing fires any more. */
  public void cancel() {
    done = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Nanoseconds from {@code now} until the first running clock runs out; {@code Long.MAX_VALUE} when none runs. */
  private long left(long now) {
    long left = hasEnd ? endNanos - now : Long.MAX_VALUE;
    if (phase != null && !paused) {
      left = Math.min(left, limitNanos - (now - lastActivity));
    }
    return left;
  }

  /** Keeps a timer set for the first clock to run out: the pending one when it fires no later, else a new one. */
  private void watch() {
    long now = System.nanoTime();
    long left = left(now);
    if (left == Long.MAX_VALUE || timer >= 0 && timerDue - now <= left) {
      return;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    timerDue = now + left;
    timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), t -> check());
  }

  private void check() {
    timer = -1;
    if (done) {
      return;
    }
    long now = System.nanoTime();
    if (hasEnd && endNanos - now <= 0) {
      fire(totalMs > 0 ? "no complete answer within " + totalMs + " ms" : "the request's deadline passed");
    } else if (phase != null && !paused && now - lastActivity >= limitNanos) {
      fire(phase + " " + limitMs + " ms");
    } else {
      watch();
    }
  }

  private void fire(String why) {
    if (done) {
      return;
    }
    cancel();
    onTimeout.accept(new MeshException(ErrorCode.TIMEOUT, id + ": " + why));
  }
}
