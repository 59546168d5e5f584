package io.switchboard.core.http;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;

import java.util.function.Consumer;

/**
 * The timers of one upstream call: the absolute deadline, always running, and one phase timer (first byte, then
 * idle between reads) re-armed as the call progresses. Whichever fires first hands a {@link ErrorCode#TIMEOUT}
 * naming the phase to {@code onTimeout}; the caller then resets the request.
 */
public final class Watchdog {

  private final Vertx vertx;
  private final String id;
  private final Consumer<MeshException> onTimeout;
  private final long deadlineTimer;
  private long phaseTimer = -1;
  private boolean done;

  public Watchdog(Vertx vertx, String id, long deadlineMs, Consumer<MeshException> onTimeout) {
    this.vertx = vertx;
    this.id = id;
    this.onTimeout = onTimeout;
    long left = Math.max(1, deadlineMs - System.currentTimeMillis());
    this.deadlineTimer = vertx.setTimer(left, t -> fire(id + ": deadline reached before upstream finished"));
  }

  /** (Re)starts the phase timer: {@code what} names what we are waiting for, e.g. "first byte". */
  public void arm(long ms, String what) {
    disarm();
    if (!done) {
      phaseTimer = vertx.setTimer(ms, t -> fire(id + ": no " + what + " from upstream within " + ms + " ms"));
    }
  }

  /** Stops the phase timer (e.g. while the reader is paused by back-pressure); the deadline still runs. */
  public void disarm() {
    if (phaseTimer >= 0) {
      vertx.cancelTimer(phaseTimer);
      phaseTimer = -1;
    }
  }

  /** The call is over: no timer fires any more. */
  public void cancel() {
    done = true;
    disarm();
    vertx.cancelTimer(deadlineTimer);
  }

  private void fire(String message) {
    if (done) {
      return;
    }
    cancel();
    onTimeout.accept(new MeshException(ErrorCode.TIMEOUT, message));
  }
}
