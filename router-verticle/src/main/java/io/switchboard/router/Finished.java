package io.switchboard.router;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.policy.RequestSize;
import io.vertx.core.json.JsonObject;

/**
 * What the router knows of a request when it is over, for the usage ledger and metrics: who asked for what, the
 * backend it ended on, what came back, the error (null on success), the route explanation, the time it took and the
 * retries spent (attempts again on a backend that had failed, after a backoff). Built by name: a request refused
 * before it was routed ({@link #refused}), or a routed one that was {@link #served} or {@link #failed}.
 */
public record Finished(Asked asked, Target target, Answer answer, ErrorCode error, RouteInfo route, long latencyMs, int retries) {

  /**
   * Who asked for what, as known when the request arrived (the key once identified).
   *
   * @param size the request's size as estimated before dispatch (characters to speak, audio to transcribe)
   */
  public record Asked(String requestId, String keyId, Capability capability, RequestSize size, long startedAtMs) {
  }

  /**
   * The backend that served, or was tried last (a null {@code backend} when none was), with the model it ran there and
   * its list prices as its descriptor gives them.
   */
  public record Target(String backend, String model, Privacy privacy, Prices prices) {

    /** No backend was tried; {@code model} as the caller named it (null when the request never said). */
    public static Target none(String model) {
      return new Target(null, model, null, Prices.FREE);
    }
  }

  /**
   * What came back from the backend.
   *
   * @param usage             the upstream usage object (tokens), null when none was reported
   * @param ttfbMs            milliseconds to the first reply or stream message, -1 when none came
   * @param streamed          the answer was a stream (then {@code ttfbMs} is the time to its first message)
   * @param replyAudioSeconds the audio duration the backend reported (a transcript's {@code duration}), -1 when none
   * @param cache             how the exact cache took part; null when the request never got that far
   * @param savedUsd          on a {@link CacheStatus#HIT}, the list-price cost of the cached answer (nothing is billed)
   * @param artifacts         the CIDs of the request's input and output
   */
  public record Answer(JsonObject usage, long ttfbMs, boolean streamed, double replyAudioSeconds, CacheStatus cache,
                       double savedUsd, ArtifactRefs artifacts) {

    /** Nothing came back. */
    public static final Answer NONE = new Answer(null, -1, false, -1);

    /** An answer from a backend, before the exact cache was wired. */
    public Answer(JsonObject usage, long ttfbMs, boolean streamed, double replyAudioSeconds) {
      this(usage, ttfbMs, streamed, replyAudioSeconds, null, 0, ArtifactRefs.NONE);
    }

    public Answer {
      artifacts = artifacts == null ? ArtifactRefs.NONE : artifacts;
    }

    /** Answered from the exact cache: no backend was called, nothing is billed. */
    public boolean hit() {
      return cache == CacheStatus.HIT;
    }
  }

  /** A request refused before routing (malformed, invalid): no backend, no answer, no time spent. */
  public static Finished refused(String requestId, String keyId, Capability capability, ErrorCode error, long atMs) {
    return new Finished(new Asked(requestId, keyId, capability, RequestSize.ZERO, atMs), Target.none(null), Answer.NONE,
      error, null, 0, 0);
  }

  /** A routed request answered in full by {@code target}. */
  public static Finished served(Asked asked, Target target, Answer answer, RouteInfo route, long latencyMs, int retries) {
    return new Finished(asked, target, answer, null, route, latencyMs, retries);
  }

  /** A routed request that ended with {@code error}, on {@code target} (the last backend tried, or {@link Target#none}). */
  public static Finished failed(Asked asked, Target target, Answer answer, ErrorCode error, RouteInfo route, long latencyMs,
                                int retries) {
    return new Finished(asked, target, answer, error, route, latencyMs, retries);
  }

  public boolean succeeded() {
    return error == null;
  }

  /**
   * Used a backend that bills it: a backend was used, not answered from the exact cache, and either served in full or
   * ended after part of its stream reached the caller (cut or cancelled: the only failure that carries a usage).
   */
  public boolean billable() {
    return target.backend() != null && !answer.hit() && (succeeded() || answer.usage() != null);
  }
}
