package io.switchboard.core.realtime;

import io.switchboard.api.ErrorCode;
import io.vertx.core.json.JsonObject;

/** One open realtime session upstream, as the bridge drives it. */
public interface RealtimeUpstream {

  /** What the upstream side tells the bridge. Called on the session's context. */
  interface Listener {
    /** A server event, as the JSON text the upstream sent. */
    void event(String json);

    /** The session is over (once): why, the mesh error code when it failed (else null), and what it used. */
    void ended(String reason, ErrorCode error, SessionUsage usage);
  }

  /** A client event, as JSON text, to the upstream. */
  void send(String json);

  /** Ends the session from our side; the listener's {@code ended} follows. */
  void close(String reason);

  /** What one session used, priced at the backend's list prices. */
  record SessionUsage(String model, double audioInSeconds, double audioOutSeconds, long inputTokens, long outputTokens, double costUsd) {

    public JsonObject toJson() {
      return new JsonObject().put("model", model).put("audio_in_seconds", audioInSeconds).put("audio_out_seconds", audioOutSeconds)
        .put("input_tokens", inputTokens).put("output_tokens", outputTokens).put("cost_usd", costUsd);
    }
  }
}
