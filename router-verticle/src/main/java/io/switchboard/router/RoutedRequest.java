package io.switchboard.router;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ConversationKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.Usage;
import io.switchboard.core.cache.CacheKey;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RetryPolicy;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.Metering;
import io.switchboard.router.usage.UsageMeter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One request on its way through the router: the caller, its plan (fixed when it arrived, so a conf change never
 * alters a request in flight), the candidates skipped or failed so far, and how it ended. Its state changes only
 * through the named steps below, in the order the request lives them: identified, planned, admitted, then for each
 * candidate trying, skipped or failed, then answered and served, or failed. The end is accounted for
 * ({@link Metering#finished}) before the caller gets the last word of the answer, so an answered request always has
 * its usage record. Owned by the router's event loop.
 */
final class RoutedRequest {

  /**
   * What goes to a backend for a candidate: the body (with the model resolved) and extra headers; and the request's
   * instance affinity, a stable key (or null) that picks one of a backend's equally busy instances (see
   * {@link InstanceTracker#pick}), asked only when there is such a choice.
   */
  record Forward(Function<String, Object> body, Function<String, Map<String, String>> headers, Supplier<String> affinity) {
    /** A JSON request: the body with the model resolved, without the mesh's own {@code cache} field. */
    static Forward json(JsonObject body) {
      return new Forward(model -> attempt(body, model), model -> Map.of(), () -> null);
    }

    /**
     * A chat: its body goes with the request decoded for it (a {@link ChatBody}, so that a backend in this node does
     * not decode it again), and its turns keep to the instance that answered the conversation before, whose prompt
     * cache holds it.
     */
    static Forward chat(JsonObject body, ChatRequest request) {
      ChatRequest forwarded = request.withoutExtra(CacheStatus.REQUEST_FIELD);
      return new Forward(model -> ChatBody.of(attempt(body, model), forwarded.withModel(model)), model -> Map.of(),
        () -> ConversationKey.of(request.messages()));
    }

    private static JsonObject attempt(JsonObject body, String model) {
      JsonObject b = body.copy().put("model", model);
      b.remove(CacheStatus.REQUEST_FIELD);
      return b;
    }

    static Forward audio(Buffer audio, Function<String, Map<String, String>> headers) {
      return new Forward(model -> audio, headers, () -> null);
    }
  }

  private final Message<Object> caller;
  private final Capability capability;
  private final String op;
  private final String model;
  private final Forward forward;
  private final String requestId;
  private final long startedAt;
  private final long deadline;
  private final RequestSize size;
  private final RetryPolicy retry;
  private final Metering metering;
  private final LongSupplier clock;
  private final List<RouteInfo.Skip> skipped = new ArrayList<>();
  /** The API key's id: from the caller's header, then the key the metering identified. */
  private String keyId;
  private Admission admission = Admission.NONE;
  private RoutePlan plan;
  private Candidate current;
  private long ttfb = -1;
  private boolean streamed;
  /** Characters of chat text a stream delivered to the caller, -1 while no chat stream message reached it. */
  private long deliveredChars = -1;
  private boolean finished;
  private int retries;
  private MeshException lastFailure;
  private int lastFailedIndex = -1;
  /** Shortest wait among candidates left out because they were rate limited, -1 when none was. */
  private long rateLimitWaitMs = -1;
  private String forcedProvider;
  private CacheStatus cacheStatus;
  private CacheKey cacheKey;
  private ArtifactRefs artifacts = ArtifactRefs.NONE;
  /** Answered from the cache: the backend that produced the answer, and what it cost then. */
  private Finished.Target hitTarget;
  private double savedUsd;
  private double listCostUsd;
  /** Completes when the request's kept inputs are stored (never fails): the last word waits for it. */
  private Future<?> inputsKept = Future.succeededFuture();

  /** A request arriving now ({@code clock}): its deadline is {@code timeoutMs} from now. */
  RoutedRequest(Message<Object> caller, Capability capability, String op, String model, Forward forward, long timeoutMs,
                RequestSize size, RetryPolicy retry, Metering metering, LongSupplier clock) {
    this.caller = caller;
    this.capability = capability;
    this.op = op;
    this.model = model;
    this.forward = forward;
    String rid = caller.headers().get(Headers.REQUEST_ID);
    this.requestId = rid != null ? rid : Headers.newRequestId();
    this.keyId = caller.headers().get(Headers.KEY_ID);
    this.clock = clock;
    this.startedAt = clock.getAsLong();
    this.deadline = startedAt + timeoutMs;
    this.size = size;
    this.retry = retry;
    this.metering = metering;
  }

  // ---- what the request is

  Message<Object> caller() {
    return caller;
  }

  Capability capability() {
    return capability;
  }

  /** The operation header for backends ({@link Headers#OP}). */
  String op() {
    return op;
  }

  /** The model or alias as the caller named it. */
  String model() {
    return model;
  }

  Forward forward() {
    return forward;
  }

  String requestId() {
    return requestId;
  }

  String keyId() {
    return keyId;
  }

  long deadline() {
    return deadline;
  }

  /** Tokens that count against a backend's tokens-per-minute limit. */
  long tokens() {
    return size.tokens();
  }

  // ---- before dispatch

  /** The caller's API key is known (null: it came with none). */
  void identified(ApiKey key) {
    if (key != null) {
      keyId = key.id();
    }
  }

  /** The policy's plan: the candidates to try, and those it left out (they join the route explanation). */
  void planned(RoutePlan plan) {
    this.plan = plan;
    skipped.addAll(plan.skipped());
  }

  /** The {@code provider} the request forced, null when none: the cache serves only that backend's answers to it. */
  void forcedProvider(String provider) {
    forcedProvider = provider;
  }

  String forcedProvider() {
    return forcedProvider;
  }

  // ---- the exact cache and the artifacts

  /** The CIDs of the request's inputs (a transcription's upload); the output's join them when it comes. */
  void inputs(ArtifactRefs refs) {
    artifacts = refs;
  }

  /**
   * The inputs are being stored ({@code kept} never fails): the answer's last word waits for it, so a caller that
   * reads its upload back right after the answer finds it.
   */
  void inputsKept(Future<?> kept) {
    inputsKept = kept;
  }

  /** The CIDs of input and output known so far. */
  ArtifactRefs artifacts() {
    return artifacts;
  }

  void artifacts(ArtifactRefs refs) {
    artifacts = refs;
  }

  /** Looked up under {@code key}: a miss until {@link #hit} says otherwise. */
  void cacheKey(CacheKey key) {
    cacheKey = key;
    cacheStatus = CacheStatus.MISS;
  }

  /** The cache key, null when the request bypasses the cache. */
  CacheKey cacheKey() {
    return cacheKey;
  }

  void cacheStatus(CacheStatus status) {
    cacheStatus = status;
  }

  CacheStatus cacheStatus() {
    return cacheStatus;
  }

  /** Answered from the cache with {@code answer}: its backend is the one the route names; nothing is billed. */
  void hit(CachedAnswer answer) {
    cacheStatus = CacheStatus.HIT;
    savedUsd = answer.costUsd();
    hitTarget = new Finished.Target(answer.backend(), answer.model(), answer.privacy(), Prices.FREE);
    ArtifactRefs refs = answer.artifacts();
    for (Map.Entry<ArtifactKind, String> e : artifacts.cids().entrySet()) {
      refs = refs.with(e.getKey(), e.getValue());
    }
    artifacts = refs;
  }

  /** The list-price cost of the answer as accounted (0 before the end, or for a hit). */
  double listCostUsd() {
    return listCostUsd;
  }

  /** Let in under the key's rate limit and budget: the hold is settled when the request ends. */
  void admitted(Admission admission) {
    this.admission = admission;
  }

  List<Candidate> candidates() {
    return plan.candidates();
  }

  /** True when a failure may move on to the next candidate (false: the strategy allows only the first). */
  boolean failover() {
    return plan.failover();
  }

  // ---- candidate by candidate

  /** The candidate now considered: the one the route explanation names as served if the request ends here. */
  void trying(Candidate candidate) {
    current = candidate;
  }

  /** The candidate in use now (or last tried); null before any. */
  Candidate current() {
    return current;
  }

  void skip(String backend, String reason) {
    skipped.add(new RouteInfo.Skip(backend, reason));
  }

  /** A candidate left out because it is rate limited for {@code waitMs} more. */
  void rateLimited(String backend, String reason, long waitMs) {
    skip(backend, reason);
    rateLimitWaitMs = rateLimitWaitMs < 0 ? waitMs : Math.min(rateLimitWaitMs, waitMs);
  }

  /** Shortest wait among the candidates left out as rate limited, -1 when none was. */
  long rateLimitWaitMs() {
    return rateLimitWaitMs;
  }

  /** Candidate {@code index} failed with {@code e} before anything reached the caller. */
  void failedOn(int index, MeshException e) {
    skip(plan.candidates().get(index).id(), e.errorCode().openAiCode() + ": " + e.getMessage());
    lastFailure = e;
    lastFailedIndex = index;
  }

  /** The last retryable failure of a candidate, null when none failed. */
  MeshException lastFailure() {
    return lastFailure;
  }

  /** The index of the candidate that failed last, -1 when none did. */
  int lastFailedIndex() {
    return lastFailedIndex;
  }

  /** True while retries of the router's retry policy are left. */
  boolean mayRetry() {
    return retries < retry.max();
  }

  /** The backoff before the next retry, never less than {@code waitMs} (a Retry-After); {@code random} in [0, 1). */
  long backoffMs(long waitMs, double random) {
    return retry.delayMs(retries, waitMs, random);
  }

  /** A retry is spent. */
  void retrying() {
    retries++;
  }

  // ---- the answer

  /** The first reply or stream message came from the backend at {@code now}. */
  void firstAnswer(long now) {
    ttfb = now - startedAt;
  }

  /** The first reply came now (from the cache). */
  void firstAnswerNow() {
    firstAnswer(clock.getAsLong());
  }

  /** The answer is a stream. */
  void streaming() {
    streamed = true;
  }

  RouteInfo route() {
    if (hitTarget != null) {
      return new RouteInfo(hitTarget.backend(), hitTarget.model(), skipped);
    }
    return new RouteInfo(current == null ? null : current.id(), current == null ? model : current.model(), skipped);
  }

  /**
   * Accounts for a clean end once: the backend's usage and the audio duration it reported (-1 for none); completes
   * when the caller may be given the end of the answer.
   */
  Future<Void> served(JsonObject usage, double replyAudioSeconds) {
    return finish(usage, null, replyAudioSeconds);
  }

  /** A stream message went to the caller: the chat text in it counts should the stream end early. */
  void delivered(Object body) {
    if (capability == Capability.CHAT && body instanceof JsonObject json
        && json.getValue(StreamProtocol.CHUNKS) instanceof JsonArray chunks) {
      deliveredChars = Math.max(0, deliveredChars) + ChatChunks.textLength(chunks);
    }
  }

  /**
   * Accounts for an end with {@code error} once (a cancel, a stream cut), without answering the caller. A chat stream
   * that reached the caller first counts what it delivered, estimated ({@link Usage#estimate}: the prompt, and the
   * text at four characters a token): the upstream was paid for it, and its own count would have come with the end.
   */
  Future<Void> ended(ErrorCode error) {
    JsonObject usage = deliveredChars < 0 ? null
      : Usage.estimate(size == null ? 0 : size.inputTokens(), deliveredChars).toJson();
    return finish(usage, error, -1);
  }

  /** Accounts for the failure, then answers the caller with it. */
  void fail(MeshException e) {
    ended(e.errorCode()).onComplete(v -> caller.reply(e));
  }

  private Future<Void> finish(JsonObject usage, ErrorCode error, double replyAudioSeconds) {
    if (finished) {
      return Future.succeededFuture();
    }
    finished = true;
    Finished.Asked asked = new Finished.Asked(requestId, keyId, capability, size, startedAt);
    Finished.Target target = hitTarget != null ? hitTarget : current == null ? Finished.Target.none(model)
      : new Finished.Target(current.id(), current.model(), current.backend().privacy(), current.backend().pricesFor(current.model()));
    Finished.Answer answer = new Finished.Answer(usage, ttfb, streamed, replyAudioSeconds, cacheStatus, savedUsd, artifacts);
    long latency = clock.getAsLong() - startedAt;
    Finished f = error == null ? Finished.served(asked, target, answer, route(), latency, retries)
      : Finished.failed(asked, target, answer, error, route(), latency, retries);
    if (f.billable()) {
      listCostUsd = UsageMeter.cost(null, target, UsageMeter.Amounts.of(f), latency);
    }
    Future<Void> accounted = metering.finished(f, admission);
    return inputsKept.isComplete() ? accounted : Future.join(accounted, inputsKept).transform(ar -> Future.succeededFuture());
  }
}
