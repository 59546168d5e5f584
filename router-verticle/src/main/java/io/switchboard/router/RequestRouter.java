package io.switchboard.router;

import io.switchboard.api.ApiKey;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatBody;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.RealtimeRequest;
import io.switchboard.api.RouteHints;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.policy.RoutingPolicy;
import io.switchboard.router.registry.BackendRegistry;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.KeyRules;
import io.switchboard.router.usage.Metering;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Routes one request from a capability entry point to a backend: validates it, sizes it, identifies its API key,
 * asks the policy for the plan once (a conf change never alters a request in flight) under the key's privacy
 * ceiling and allowed providers and models, looks it up in the exact cache ({@link AnswerCache}: a hit is answered
 * from there, no backend called), admits it under the key's rate limit and budget ({@link Metering}),
 * and hands it to the {@link Failover} loop, which tries the candidates in turn; the {@link AnswerRelay} carries the
 * answer back. Every refusal is recorded before it is answered: one refused before routing (malformed, invalid) by
 * {@link #refuse}, one refused or failed after by {@link RoutedRequest#fail}.
 */
public final class RequestRouter {

  /** The request's decoded form, for the route: what it asks for and what goes to the backend. */
  private record Decoded(String model, RouteHints hints, RequestSize size, String language, RoutedRequest.Forward forward,
                         String format, Integer sampleRate, AnswerCache.Input cache) {
    Decoded(String model, RouteHints hints, RequestSize size, String language, RoutedRequest.Forward forward,
            AnswerCache.Input cache) {
      this(model, hints, size, language, forward, null, null, cache);
    }
  }

  /** Reads one capability's request off its message; throws a {@link MeshException} naming what is wrong. */
  @FunctionalInterface
  private interface Decoder {
    Decoded decode(Message<Object> msg, Routing routing);
  }

  private static final System.Logger LOG = System.getLogger(RequestRouter.class.getName());

  private final BackendRegistry registry;
  private final Supplier<Routing> routing;
  private final RouterState state;
  private final InstanceTracker instances;
  private final Failover failover;
  private final Metering metering;
  private final LongSupplier clock;
  private final Vertx vertx;
  private final AnswerCache cache;

  public RequestRouter(Vertx vertx, BackendRegistry registry, Supplier<Routing> routing, RouterState state,
                       long streamIdleTimeoutMs, Metering metering) {
    this(vertx, registry, routing, state, streamIdleTimeoutMs, metering, null);
  }

  /** @param artifacts the node's artifacts and exact cache; null: answers get CIDs, nothing is cached or kept */
  public RequestRouter(Vertx vertx, BackendRegistry registry, Supplier<Routing> routing, RouterState state,
                       long streamIdleTimeoutMs, Metering metering, Artifacts artifacts) {
    this.vertx = vertx;
    this.cache = new AnswerCache(vertx, artifacts, streamIdleTimeoutMs);
    this.registry = registry;
    this.routing = routing;
    this.state = state;
    this.clock = state::now;
    this.instances = new InstanceTracker(registry, clock);
    this.failover = new Failover(vertx, instances, state, new AnswerRelay(instances, state, streamIdleTimeoutMs, cache),
      () -> ThreadLocalRandom.current().nextDouble());
    this.metering = metering;
  }

  public void chat(Message<Object> msg) {
    route(msg, Capability.CHAT, Headers.OP_CHAT, (m, r) -> {
      ChatRequest request = ChatBody.request(m.body()); // the web verticle's decoded request when handed over in this node, else decoded here
      return new Decoded(request.model(), request.hints(), r.costs().chat(request), null, RoutedRequest.Forward.chat((JsonObject) m.body(), request),
        cacheInput(m, (keys, model, asker, audio) -> keys.chat(request, model, asker)));
    });
  }

  public void embed(Message<Object> msg) {
    route(msg, Capability.EMBED, Headers.OP_EMBED, (m, r) -> {
      EmbeddingRequest request = EmbeddingRequest.fromJson(json(m));
      return new Decoded(request.model(), request.hints(), CostEstimator.embedding(request), null,
        RoutedRequest.Forward.json((JsonObject) m.body()), cacheInput(m, (keys, model, asker, audio) -> keys.embeddings(request, model, asker)));
    });
  }

  public void speech(Message<Object> msg) {
    route(msg, Capability.SPEECH, Headers.OP_SPEECH, (m, r) -> {
      SpeechRequest request = SpeechRequest.fromJson(json(m));
      return new Decoded(request.model(), request.hints(), CostEstimator.speech(request), null,
        RoutedRequest.Forward.json((JsonObject) m.body()), request.responseFormat(), request.sampleRate(),
        cacheInput(m, (keys, model, asker, audio) -> keys.speech(request, model, asker)));
    });
  }

  /**
   * Opens a realtime session on a backend of capability {@code realtime}: routed like any request (the session's
   * estimated size is one minute of audio), answered with the session's address; the session then runs between the
   * caller and the backend instance ({@link io.switchboard.api.RealtimeProtocol}).
   */
  public void realtime(Message<Object> msg) {
    route(msg, Capability.REALTIME, Headers.OP_REALTIME, (m, r) -> {
      RealtimeRequest request = RealtimeRequest.fromJson(json(m));
      return new Decoded(request.model(), request.hints(), new RequestSize(0, 0, 60, 0), null,
        RoutedRequest.Forward.json((JsonObject) m.body()), null); // a session: nothing to cache, no artifact
    });
  }

  public void transcribe(Message<Object> msg) {
    route(msg, Capability.TRANSCRIBE, Headers.OP_TRANSCRIBE, (m, r) -> {
      if (!(m.body() instanceof Buffer audio)) {
        throw MeshException.invalid("file", "the request body must be the audio bytes");
      }
      String params = m.headers().get(TranscriptionRequest.PARAMS_HEADER);
      if (params == null) {
        throw MeshException.invalid("model", "header " + TranscriptionRequest.PARAMS_HEADER + " with the parameters is required");
      }
      TranscriptionRequest request;
      JsonObject paramsJson;
      try {
        paramsJson = new JsonObject(params);
        request = TranscriptionRequest.fromJson(paramsJson);
      } catch (MeshException e) {
        throw e;
      } catch (RuntimeException e) {
        throw MeshException.invalid(null, "malformed " + TranscriptionRequest.PARAMS_HEADER + " header: not JSON");
      }
      AnswerCache.Input cache = new AnswerCache.Input(paramsJson.getValue(CacheStatus.REQUEST_FIELD), noStore(m),
        (keys, model, asker, audioCid) -> keys.transcription(request, audioCid, model, asker), audio, UploadDags.take(vertx, m));
      return new Decoded(request.model(), request.hints(), CostEstimator.transcription(request, audio), request.language(),
        RoutedRequest.Forward.audio(audio, model -> Map.of(TranscriptionRequest.PARAMS_HEADER, request.withModel(model).toJson().encode())),
        cache);
    });
  }

  /** Called when the registry drops instances whose heartbeats stopped: their in-flight work moves elsewhere now. */
  public void instancesLost(List<String> instanceIds) {
    instances.lost(instanceIds);
  }

  /**
   * Decodes the request and routes it. A request that cannot be decoded is refused; a bug anywhere on the way is an
   * internal error for the caller (never a wait for its timeout), recorded like any refusal.
   */
  private void route(Message<Object> msg, Capability capability, String op, Decoder decoder) {
    RoutedRequest request = null;
    try {
      Routing r = routing.get();
      Decoded d;
      try {
        d = decoder.decode(msg, r);
      } catch (MeshException e) {
        refuse(msg, capability, e);
        return;
      }
      long timeout = d.hints().timeoutMs() != null ? d.hints().timeoutMs() : r.settings().timeoutMs();
      request = new RoutedRequest(msg, capability, op, d.model(), d.forward(), timeout, d.size(), r.settings().retries(),
        metering, clock);
      RoutedRequest routed = request;
      routed.forcedProvider(d.hints().provider());
      AnswerCache.Input cacheInput = d.cache();
      PlanRequest plan = new PlanRequest(capability, d.model(), d.hints(), keyCeiling(msg), d.size(), d.language(), d.format(),
        d.sampleRate());
      when(metering.identify(msg.headers()), key -> plan(r, routed, plan, cacheInput, key));
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "a " + capability.wireName() + " request failed in the router", e);
      if (request != null) {
        request.fail(MeshException.from(e));
      } else {
        refuse(msg, capability, MeshException.from(e));
      }
    }
  }

  /** A request refused before routing (malformed, invalid) still leaves its usage record before the refusal. */
  private void refuse(Message<Object> msg, Capability capability, MeshException e) {
    String rid = msg.headers().get(Headers.REQUEST_ID);
    Finished f = Finished.refused(rid != null ? rid : Headers.newRequestId(), msg.headers().get(Headers.KEY_ID), capability,
      e.errorCode(), state.now());
    metering.finished(f, Admission.NONE).onComplete(v -> msg.reply(e));
  }

  /** A JSON request's part in the cache: its {@code cache} field and the caller's {@code Cache-Control}. */
  private static AnswerCache.Input cacheInput(Message<Object> msg, AnswerCache.KeyMaker keyMaker) {
    return AnswerCache.Input.of(((JsonObject) msg.body()).getValue(CacheStatus.REQUEST_FIELD), noStore(msg), keyMaker);
  }

  /** {@code Cache-Control: no-store} on the bus request (the web verticle copies the HTTP header). */
  private static boolean noStore(Message<Object> msg) {
    String v = msg.headers().get(Headers.CACHE_CONTROL);
    return v != null && v.toLowerCase(java.util.Locale.ROOT).contains("no-store");
  }

  private static JsonObject json(Message<Object> msg) {
    if (!(msg.body() instanceof JsonObject json)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    return json;
  }

  /**
   * Plans under the key's ceiling and rules, looks the request up in the exact cache, then (on a miss) admits and
   * dispatches; any refusal ends the request.
   */
  private void plan(Routing r, RoutedRequest request, PlanRequest asked, AnswerCache.Input cacheInput,
                    AsyncResult<ApiKey> identified) {
    if (identified.failed()) {
      request.fail(MeshException.from(identified.cause()));
      return;
    }
    ApiKey key = identified.result();
    RoutePlan plan;
    try {
      PlanRequest keyed = key == null || key.limits().privacyCeiling() == null ? asked
        : asked.withKeyCeiling(key.limits().privacyCeiling().min(asked.keyCeiling()));
      request.identified(key);
      if (key != null) {
        KeyRules.permit(key, asked.model(), asked.hints().provider(),
          state.known() == null ? Set.of(asked.model()) : state.known().resolutions(asked.model()));
      }
      RoutePlan policyPlan = r.policy().plan(keyed, registry.live(), state, state.now());
      try {
        plan = metering.restrict(key, asked.model(), policyPlan);
      } catch (MeshException refused) {
        throw KeyRules.whenAllowedAreOff(refused, key, asked.model(), policyPlan,
          state.notLive(asked.capability(), asked.model()), RoutingPolicy.NOT_LIVE_RETRY_MS);
      }
    } catch (RuntimeException e) {
      request.fail(MeshException.from(e));
      return;
    }
    request.planned(plan);
    when(cache.lookup(request, cacheInput, key, plan), found -> {
      if (found.result() != null) {
        cache.serve(request, found.result()); // no backend, nothing billed: not admitted under rate limit or budget
      } else {
        admit(request, key, plan);
      }
    });
  }

  private void admit(RoutedRequest request, ApiKey key, RoutePlan plan) {
    when(metering.admit(key, request.capability(), plan), admitted -> {
      if (admitted.failed()) {
        request.fail(MeshException.from(admitted.cause()));
        return;
      }
      request.admitted(admitted.result());
      failover.start(request);
    });
  }

  /** Runs {@code next} now when {@code f} is already complete (the usual case: no key, or a key seen before). */
  private static <T> void when(Future<T> f, Handler<AsyncResult<T>> next) {
    if (f.isComplete()) {
      next.handle(f);
    } else {
      f.onComplete(next);
    }
  }

  /** The most the caller's API key allows, from {@link Headers#KEY_PRIVACY}; one that cannot be read is the strictest. */
  static Privacy keyCeiling(Message<?> msg) {
    String v = msg.headers().get(Headers.KEY_PRIVACY);
    if (v == null) {
      return null;
    }
    try {
      return Privacy.parse(v);
    } catch (IllegalArgumentException e) {
      return Privacy.LOCAL; // a ceiling we cannot read is the strictest one, never none
    }
  }
}
