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
 * <p>A read only stamps the time ({@link #touch}): one timer serves the phase and, when it fires early, re-arms
 * itself for what is left, so a stream of small reads costs no timer churn. While the reader is paused on purpose
 * (back-pressure from a slow caller) idle time does not count. Not thread-safe: use it on the call's context.
 */
public final class Watchdog {

  private final Vertx vertx;
  private final String id;
  private final Consumer<MeshException> onTimeout;
  private long endTimer = -1;
  private long phaseTimer = -1;
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
    if (!done && endTimer < 0 && endMs != Long.MAX_VALUE) {
      endTimer = vertx.setTimer(Math.max(1, endMs - System.currentTimeMillis()),
        t -> fire(totalMs > 0 ? "no complete answer within " + totalMs + " ms" : "the request's deadline passed"));
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
    if (phaseTimer >= 0) {
      vertx.cancelTimer(phaseTimer);
    }
    schedule(limitNanos);
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
    if (!done && phaseTimer < 0 && phase != null) {
      schedule(limitNanos);
    }
  }

  /** The call is over: nothing fires any more. */
  public void cancel() {
    done = true;
    if (phaseTimer >= 0) {
      vertx.cancelTimer(phaseTimer);
      phaseTimer = -1;
    }
    if (endTimer >= 0) {
      vertx.cancelTimer(endTimer);
      endTimer = -1;
    }
  }

  private void schedule(long inNanos) {
    phaseTimer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(inNanos)), t -> check());
  }

  private void check() {
    phaseTimer = -1;
    if (done || paused) {
      return;
    }
    long left = lastActivity + limitNanos - System.nanoTime();
    if (left <= 0) {
      fire(phase + " " + limitMs + " ms");
    } else {
      schedule(left);
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
