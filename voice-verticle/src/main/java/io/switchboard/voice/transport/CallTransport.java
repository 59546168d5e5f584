package io.switchboard.voice.transport;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Playout;
import io.vertx.core.json.JsonObject;

/**
 * A call's socket as the call session sees it, whatever the wire protocol: audio frames, marks and clears out (the
 * {@link Playout.Sink} side), JSON events out where the protocol has them, and the end of the call.
 */
public interface CallTransport extends Playout.Sink {

  /** {@code twilio} or {@code stream}: the ledger's and the metrics' name for it. */
  String kind();

  /** The format of the audio the caller sends, as float samples handed to the session: its sample rate. */
  int inputRate();

  OutputFormat outputFormat();

  /** True when the client echoes marks as it plays them (Twilio always). */
  boolean echoesMarks();

  /** An event for the client (transcript, text, metrics...); dropped by protocols that have no such events. */
  void event(JsonObject event);

  /** Closes the socket with a WebSocket status code and a short reason (at most 123 bytes). */
  void close(short status, String reason);
}
