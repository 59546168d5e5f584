package io.switchboard.router;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.policy.RequestSize;
import io.vertx.core.json.JsonObject;

/**
 * What the router knows of a request when it is over, for the usage ledger and metrics.
 *
 * @param backend           the backend that served (or last tried), null when none was tried
 * @param usage             the upstream usage object (tokens), empty when none was reported
 * @param ttfbMs            milliseconds to the first reply or stream message, -1 when none came
 * @param error             null on success
 * @param size              the request's size as estimated before dispatch (characters to speak, audio to transcribe)
 * @param replyAudioSeconds the audio duration the backend reported (a transcript's {@code duration}), -1 when none
 * @param streamed          the answer was a stream (then {@code ttfbMs} is the time to its first message)
 * @param prices            list prices of the model on the backend as its descriptor gives them, FREE when none
 */
public record Finished(String requestId, String keyId, Capability capability, String backend, String model, Privacy privacy,
                       JsonObject usage, long startedAtMs, long latencyMs, long ttfbMs, ErrorCode error, RouteInfo route,
                       RequestSize size, double replyAudioSeconds, boolean streamed, Prices prices) {

  public boolean succeeded() {
    return error == null;
  }
}
