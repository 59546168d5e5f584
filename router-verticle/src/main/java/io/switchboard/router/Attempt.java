package io.switchboard.router;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Prices;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RetryPolicy;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.Metering;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One request on its way through the router: the caller, its plan (fixed when it arrived, so a conf change never
 * alters a request in flight), the candidates skipped or failed so far, and how it ended. The end is accounted for
 * ({@link Metering#finished}) before the caller gets the last word of the answer, so an answered request always
 * has its usage record.
 */
final class Attempt {

  /** What goes to a backend for a candidate: the body (with the model resolved) and extra headers. */
  record Forward(Function<String, Object> body, Function<String, Map<String, String>> headers) {
    static Forward json(JsonObject body) {
      return new Forward(model -> body.copy().put("model", model), model -> Map.of());
    }

    static Forward audio(Buffer audio, Function<String, Map<String, String>> headers) {
      return new Forward(model -> audio, headers);
    }
  }

  final Message<Object> caller;
  final Capability capability;
  final String op;
  final String model;
  final Forward forward;
  final String requestId;
  /** The API key's id: from the caller's header, then the key the metering identified. */
  String keyId;
  final long startedAt;
  final long deadline;
  final RequestSize size;
  final long tokens;
  final RetryPolicy retry;
  final List<RouteInfo.Skip> skipped = new ArrayList<>();
  private final Metering metering;
  Admission admission = Admission.NONE;
  RoutePlan plan;
  Candidate current;
  long ttfb = -1;
  boolean streamed;
  boolean finished;
  int retries;
  MeshException lastFailure;
  int lastFailedIndex = -1;
  /** Shortest wait among candidates left out because they were rate limited, -1 when none was. */
  long rateLimitWaitMs = -1;

  Attempt(Message<Object> caller, Capability capability, String op, String model, Forward forward, long startedAt,
          long timeoutMs, RequestSize size, RetryPolicy retry, Metering metering) {
    this.caller = caller;
    this.capability = capability;
    this.op = op;
    this.model = model;
    this.forward = forward;
    String rid = caller.headers().get(Headers.REQUEST_ID);
    this.requestId = rid != null ? rid : Headers.newRequestId();
    this.keyId = caller.headers().get(Headers.KEY_ID);
    this.startedAt = startedAt;
    this.deadline = startedAt + timeoutMs;
    this.size = size;
    this.tokens = size.tokens();
    this.retry = retry;
    this.metering = metering;
  }

  void skip(String backend, String reason) {
    skipped.add(new RouteInfo.Skip(backend, reason));
  }

  void rateLimited(String backend, String reason, long waitMs) {
    skip(backend, reason);
    rateLimitWaitMs = rateLimitWaitMs < 0 ? waitMs : Math.min(rateLimitWaitMs, waitMs);
  }

  RouteInfo route() {
    return new RouteInfo(current == null ? null : current.id(), current == null ? model : current.model(), skipped);
  }

  Future<Void> finish(JsonObject usage, ErrorCode error) {
    return finish(usage, error, -1);
  }

  /**
   * Accounts for the end of the request once (usage, error, and the audio duration the backend reported, -1 for
   * none); completes when the caller may be given the end of the answer.
   */
  Future<Void> finish(JsonObject usage, ErrorCode error, double replyAudioSeconds) {
    if (finished) {
      return Future.succeededFuture();
    }
    finished = true;
    long now = System.currentTimeMillis();
    return metering.finished(new Finished(requestId, keyId, capability, current == null ? null : current.id(),
      current == null ? model : current.model(), current == null ? null : current.backend().privacy(),
      usage == null ? new JsonObject() : usage, startedAt, now - startedAt, ttfb, error, route(), size,
      replyAudioSeconds, streamed, current == null ? Prices.FREE : current.backend().pricesFor(current.model())), admission);
  }

  void fail(MeshException e) {
    finish(null, e.errorCode()).onComplete(v -> caller.reply(e));
  }
}
