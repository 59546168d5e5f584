package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.StreamProtocol;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.BackendVerticle;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.policy.RoutingPolicy;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Routes one request from a capability entry point to a backend: validates it, asks the policy for the plan,
 * sends to each candidate in turn until one answers (moving on only while nothing has reached the caller), then
 * relays the whole reply or the pulled stream, message by message, back to the caller.
 */
public final class RequestRouter {

  public static final String BACKEND_HEADER = "x-switchboard-backend";
  public static final String ROUTE_HEADER = "x-switchboard-route";

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final Supplier<RoutingPolicy> policy;
  private final long defaultTimeoutMs;
  private final long streamIdleTimeoutMs;
  private final Consumer<Finished> listener;

  public RequestRouter(Vertx vertx, BackendRegistry registry, Supplier<RoutingPolicy> policy, long defaultTimeoutMs,
                       long streamIdleTimeoutMs, Consumer<Finished> listener) {
    this.vertx = vertx;
    this.registry = registry;
    this.policy = policy;
    this.defaultTimeoutMs = defaultTimeoutMs;
    this.streamIdleTimeoutMs = streamIdleTimeoutMs;
    this.listener = listener;
  }

  /** What goes to a backend for a candidate: the body (with the model resolved) and extra headers. */
  private record Forward(Function<String, Object> body, Function<String, Map<String, String>> headers) {
  }

  public void chat(Message<Object> msg) {
    ChatRequest request;
    try {
      request = ChatRequest.fromJson(json(msg));
    } catch (MeshException e) {
      msg.reply(e);
      return;
    }
    JsonObject body = (JsonObject) msg.body();
    route(msg, Capability.CHAT, Headers.OP_CHAT, request.model(), request.hints(),
      new Forward(model -> body.copy().put("model", model), model -> Map.of()));
  }

  public void embed(Message<Object> msg) {
    EmbeddingRequest request;
    try {
      request = EmbeddingRequest.fromJson(json(msg));
    } catch (MeshException e) {
      msg.reply(e);
      return;
    }
    JsonObject body = (JsonObject) msg.body();
    route(msg, Capability.EMBED, Headers.OP_EMBED, request.model(), request.hints(),
      new Forward(model -> body.copy().put("model", model), model -> Map.of()));
  }

  public void speech(Message<Object> msg) {
    SpeechRequest request;
    try {
      request = SpeechRequest.fromJson(json(msg));
    } catch (MeshException e) {
      msg.reply(e);
      return;
    }
    JsonObject body = (JsonObject) msg.body();
    route(msg, Capability.SPEECH, Headers.OP_SPEECH, request.model(), request.hints(),
      new Forward(model -> body.copy().put("model", model), model -> Map.of()));
  }

  public void transcribe(Message<Object> msg) {
    TranscriptionRequest request;
    Buffer audio;
    try {
      if (!(msg.body() instanceof Buffer b)) {
        throw MeshException.invalid("file", "the request body must be the audio bytes");
      }
      audio = b;
      String params = msg.headers().get(TranscriptionRequest.PARAMS_HEADER);
      if (params == null) {
        throw MeshException.invalid("model", "header " + TranscriptionRequest.PARAMS_HEADER + " with the parameters is required");
      }
      request = TranscriptionRequest.fromJson(new JsonObject(params));
    } catch (MeshException e) {
      msg.reply(e);
      return;
    } catch (RuntimeException e) {
      msg.reply(MeshException.invalid(null, "malformed " + TranscriptionRequest.PARAMS_HEADER + " header: not JSON"));
      return;
    }
    TranscriptionRequest req = request;
    route(msg, Capability.TRANSCRIBE, Headers.OP_TRANSCRIBE, request.model(), request.hints(),
      new Forward(model -> audio, model -> Map.of(TranscriptionRequest.PARAMS_HEADER, req.withModel(model).toJson().encode())));
  }

  private static JsonObject json(Message<Object> msg) {
    if (!(msg.body() instanceof JsonObject json)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    return json;
  }

  // ---- routing

  private final class Attempt {
    final Message<Object> caller;
    final Capability capability;
    final String op;
    final String model;
    final Forward forward;
    final String requestId;
    final String keyId;
    final long startedAt = System.currentTimeMillis();
    final long deadline;
    RoutePlan plan;
    final List<RouteInfo.Skip> skipped = new ArrayList<>();
    Candidate current;
    long ttfb = -1;
    boolean finished;

    Attempt(Message<Object> caller, Capability capability, String op, String model, RouteHints hints, Forward forward) {
      this.caller = caller;
      this.capability = capability;
      this.op = op;
      this.model = model;
      this.forward = forward;
      String rid = caller.headers().get(Headers.REQUEST_ID);
      this.requestId = rid != null ? rid : "req_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
      this.keyId = caller.headers().get(Headers.KEY_ID);
      this.deadline = startedAt + (hints.timeoutMs() != null ? hints.timeoutMs() : defaultTimeoutMs);
    }

    RouteInfo route() {
      return new RouteInfo(current == null ? null : current.id(), current == null ? model : current.model(), skipped);
    }

    void finish(JsonObject usage, ErrorCode error) {
      if (finished) {
        return;
      }
      finished = true;
      if (listener == null) {
        return;
      }
      long now = System.currentTimeMillis();
      listener.accept(new Finished(requestId, keyId, capability, current == null ? null : current.id(),
        current == null ? model : current.model(), current == null ? null : current.backend().privacy(),
        usage == null ? new JsonObject() : usage, startedAt, now - startedAt, ttfb, error, route()));
    }

    void fail(MeshException e) {
      caller.reply(e);
      finish(null, e.errorCode());
    }
  }

  /**
   * One message in flight to one backend instance: the first request, or a pull of the next stream message. If
   * the instance is declared dead while it is in flight, {@link #lost()} settles it at once instead of waiting
   * for the deadline.
   */
  private final class InFlight {
    final String instanceId;
    final Runnable onLost;
    boolean settled;

    InFlight(String instanceId, Runnable onLost) {
      this.instanceId = instanceId;
      this.onLost = onLost;
      inflight.computeIfAbsent(instanceId, k -> new HashSet<>()).add(this);
    }

    /** Marks the reply as handled; false when the instance was already declared lost (the late reply is ignored). */
    boolean settle() {
      if (settled) {
        return false;
      }
      settled = true;
      Set<InFlight> set = inflight.get(instanceId);
      if (set != null) {
        set.remove(this);
        if (set.isEmpty()) {
          inflight.remove(instanceId);
        }
      }
      return true;
    }

    void lost() {
      if (settle()) {
        onLost.run();
      }
    }
  }

  private final Map<String, Set<InFlight>> inflight = new HashMap<>();
  private int roundRobin;

  /** Called when the registry drops instances whose heartbeats stopped: their in-flight work moves elsewhere now. */
  public void instancesLost(List<String> instanceIds) {
    for (String id : instanceIds) {
      Set<InFlight> set = inflight.remove(id);
      if (set != null) {
        new ArrayList<>(set).forEach(InFlight::lost);
      }
    }
  }

  /** The live instance of a backend with the fewest requests in flight from this router (round-robin among equals). */
  private String pickInstance(String backendId) {
    BackendRegistry.LiveBackend live = registry.get(backendId);
    if (live == null || live.instanceIds().isEmpty()) {
      return null;
    }
    List<String> ids = live.instanceIds();
    int start = Math.floorMod(roundRobin++, ids.size());
    String best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get((start + i) % ids.size());
      Set<InFlight> set = inflight.get(id);
      int load = set == null ? 0 : set.size();
      if (load < bestLoad) {
        best = id;
        bestLoad = load;
      }
    }
    return best;
  }

  private void route(Message<Object> msg, Capability capability, String op, String model, RouteHints hints, Forward forward) {
    Attempt a = new Attempt(msg, capability, op, model, hints, forward);
    try {
      a.plan = policy.get().plan(capability, model, hints, registry.live());
    } catch (MeshException e) {
      a.fail(e);
      return;
    }
    a.skipped.addAll(a.plan.skipped());
    safeAttempt(a, 0);
  }

  private void safeAttempt(Attempt a, int index) {
    try {
      attempt(a, index);
    } catch (RuntimeException e) {
      a.fail(MeshException.from(e));
    }
  }

  private void attempt(Attempt a, int index) {
    List<Candidate> candidates = a.plan.candidates();
    if (index >= candidates.size()) {
      a.fail(new MeshException(ErrorCode.UNAVAILABLE, "every candidate failed for model " + a.model + ": " + a.route().toHeader()));
      return;
    }
    Candidate c = candidates.get(index);
    a.current = c;
    String instance = pickInstance(c.id());
    if (instance == null) {
      a.skipped.add(new RouteInfo.Skip(c.id(), "no live instance"));
      safeAttempt(a, index + 1);
      return;
    }
    DeliveryOptions options = BackendVerticle.requestOptions(a.op, a.requestId, a.keyId, a.deadline);
    a.forward.headers().apply(c.model()).forEach(options::addHeader);
    InFlight f = new InFlight(instance, () -> failed(a, index, c,
      new MeshException(ErrorCode.UNAVAILABLE, c.id() + ": instance " + instance + " stopped answering"), true));
    vertx.eventBus().<Object>request(Addresses.instance(instance), a.forward.body().apply(c.model()), options).onComplete(ar -> {
      if (!f.settle()) {
        if (ar.succeeded() && BusStreams.isStream(ar.result()) && !BusStreams.isEnd(ar.result())) {
          BusStreams.cancel(ar.result());
        }
        return;
      }
      if (ar.failed()) {
        failed(a, index, c, MeshException.from(ar.cause()), false);
      } else {
        answered(a, c, instance, ar.result());
      }
    });
  }

  /** A candidate failed before anything reached the caller: try the next one (or another instance) when policy allows. */
  private void failed(Attempt a, int index, Candidate c, MeshException e, boolean instanceLost) {
    boolean timeLeft = System.currentTimeMillis() < a.deadline;
    boolean more = instanceLost || index + 1 < a.plan.candidates().size();
    if (a.plan.failover() && RoutingPolicy.mayTryNext(e) && timeLeft && more) {
      a.skipped.add(new RouteInfo.Skip(c.id(), e.errorCode().openAiCode() + ": " + e.getMessage()));
      // A lost instance is retried on the same backend's other instances first (the registry no longer lists it).
      safeAttempt(a, instanceLost ? index : index + 1);
    } else {
      a.fail(e);
    }
  }

  private void answered(Attempt a, Candidate c, String instance, Message<Object> reply) {
    a.ttfb = System.currentTimeMillis() - a.startedAt;
    RouteInfo route = a.route();
    DeliveryOptions headers = new DeliveryOptions()
      .addHeader(BACKEND_HEADER, c.id())
      .addHeader(ROUTE_HEADER, route.toJson().encode());
    Object body = reply.body();
    if (body instanceof JsonObject json) {
      body = json.put(StreamProtocol.ROUTE, route.toJson());
    }
    if (BusStreams.isStream(reply)) {
      relay(a, instance, a.caller, reply, body, headers);
    } else {
      a.caller.reply(body, headers);
      a.finish(body instanceof JsonObject json ? json.getJsonObject("usage") : null, null);
    }
  }

  /**
   * Forwards one stream message to the caller and, on the caller's credit, pulls the next from the backend. Each
   * hop is a reply, so nothing is registered in the cluster and the slowest side sets the pace. After the first
   * message, any failure (the backend's, or its instance dying) ends the caller's stream with an error.
   */
  private void relay(Attempt a, String instance, Message<Object> caller, Message<Object> fromBackend, Object body,
                     DeliveryOptions options) {
    if (BusStreams.isEnd(fromBackend)) {
      options.addHeader(StreamProtocol.HEADER, StreamProtocol.END);
      caller.reply(body, options);
      a.finish(body instanceof JsonObject json ? json.getJsonObject(StreamProtocol.USAGE) : null, null);
      return;
    }
    options.addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(streamIdleTimeoutMs);
    caller.replyAndRequest(body, options).onComplete(credit -> {
      if (credit.failed() || StreamProtocol.isCancel(credit.result().body())) {
        BusStreams.cancel(fromBackend);
        a.finish(null, ErrorCode.CANCELLED);
        return;
      }
      Message<Object> nextCaller = credit.result();
      InFlight f = new InFlight(instance, () -> {
        MeshException e = new MeshException(ErrorCode.UPSTREAM, a.current.id() + ": instance " + instance + " lost mid-stream");
        nextCaller.reply(e);
        a.finish(null, e.errorCode());
      });
      BusStreams.next(fromBackend, streamIdleTimeoutMs).onComplete(next -> {
        if (!f.settle()) {
          return;
        }
        if (next.failed()) {
          MeshException e = MeshException.from(next.cause());
          nextCaller.reply(e);
          a.finish(null, e.errorCode());
        } else {
          relay(a, instance, nextCaller, next.result(), next.result().body(), new DeliveryOptions());
        }
      });
    });
  }
}
