package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;

/**
 * One call as its socket drives it, whatever its mode: the cascade ({@link CallSession}) or a realtime session
 * ({@code io.switchboard.voice.realtime.RealtimeCall}). The transport parses the wire protocol and calls in here, on
 * the socket's context.
 */
public interface Call {

  String callId();

  /** Starts the call (its limits, the greeting). */
  void start();

  /** Caller audio at the transport's input rate. */
  void audio(float[] samples);

  /** The client echoed mark {@code name}: the audio before it has played. */
  void marked(String name);

  /** The client's mark echoes can be trusted from now on. */
  void marksEchoed();

  /** Ends the call (once), closing the socket with {@code status} and {@code reason}; the call's record is sent. */
  void end(String reason, short status, ErrorCode error);

  /** Completes with the call's usage record once the call has ended and the record was sent. */
  Future<UsageRecord> ended();

  /** What the admin page shows of this call; readable from any thread. */
  CallStatus status();
}
