package io.switchboard.voice.mode;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.UsageRecord;
import io.switchboard.voice.call.Call;
import io.switchboard.voice.call.CallStatus;
import io.switchboard.voice.realtime.RealtimeCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.function.Function;

/**
 * A realtime call that may continue in the fallback mode: the socket drives this, this drives the leg of the moment.
 * When the realtime session fails while the call is live (the node holding it died, the upstream cut it, it expired),
 * a phone caller is better served by the agent coming back in the other mode than by a dropped line: the realtime leg
 * ends without closing the socket and leaves its own record (mode realtime, the error, what it used), then
 * {@code fallback} builds the pipeline leg on the same socket, which starts at once (its record: mode pipeline,
 * {@code fallback_from: realtime}). So a call that changed mode leaves one record per mode under the same call id.
 * On the socket's context.
 */
final class HandoverCall implements Call {

  private final Promise<UsageRecord> ended = Promise.promise();
  private final Function<String, Call> fallback;
  private volatile Call current;
  private boolean marksEchoed;

  /** {@code fallback}: the call's next leg, given why the realtime one was lost (not started yet). */
  HandoverCall(RealtimeCall realtime, Function<String, Call> fallback) {
    this.fallback = fallback;
    this.current = realtime;
    realtime.onLost(this::handOver);
    realtime.ended().onComplete(ar -> {
      if (current == realtime) {
        ended.handle(ar);
      }
    });
  }

  private void handOver(String reason) {
    Call next = fallback.apply(reason);
    current = next;
    if (marksEchoed) {
      next.marksEchoed();
    }
    next.ended().onComplete(ended);
    next.start();
  }

  @Override
  public String callId() {
    return current.callId();
  }

  @Override
  public void start() {
    current.start();
  }

  @Override
  public void audio(float[] samples) {
    current.audio(samples);
  }

  @Override
  public void marked(String name) {
    current.marked(name);
  }

  @Override
  public void marksEchoed() {
    marksEchoed = true;
    current.marksEchoed();
  }

  @Override
  public void end(String reason, short status, ErrorCode error) {
    current.end(reason, status, error);
  }

  @Override
  public Future<UsageRecord> ended() {
    return ended.future();
  }

  @Override
  public CallStatus status() {
    return current.status();
  }
}
