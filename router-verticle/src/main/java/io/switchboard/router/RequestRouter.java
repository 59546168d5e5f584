package io.switchboard.router;

import io.switchboard.api.ApiKey;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.registry.BackendRegistry;
import io.switchboard.router.usage.Admission;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Routes one request from a capability entry point to a backend: validates it, sizes it, identifies its API key,
 * asks the policy for the plan once (a conf change never alters a request in flight) under the key's privacy
 * ceiling and allowed providers and models, admits it under the key's rate limit and budget ({@link Metering}),
 * and hands it to the {@link Dispatcher}, which tries the candidates in turn and relays the answer.
 */
public final class RequestRouter {

  private final BackendRegistry registry;
  private final Supplier<Routing> routing;
  private final RouterState state;
  private final InstanceTracker instances;
  private final Dispatcher dispatcher;
  private final Metering metering;

  public RequestRouter(Vertx vertx, BackendRegistry registry, Supplier<Routing> routing, RouterState state,
                       long streamIdleTimeoutMs, Metering metering) {
    this.registry = registry;
    this.routing = routing;
    this.state = state;
    this.instances = new InstanceTracker(registry);
    this.dispatcher = new Dispatcher(vertx, instances, state, streamIdleTimeoutMs, () -> ThreadLocalRandom.current().nextDouble());
    this.metering = metering;
  }

  public void chat(Message<Object> msg) {
    ChatRequest request;
    try {
      request = ChatRequest.fromJson(json(msg));
    } catch (MeshException e) {
      rejected(msg, Capability.CHAT, e);
      return;
    }
    Routing r = routing.get();
    route(r, msg, Capability.CHAT, request.model(), request.hints(), r.costs().chat(request), Attempt.Forward.json((JsonObject) msg.body()));
  }

  public void embed(Message<Object> msg) {
    EmbeddingRequest request;
    try {
      request = EmbeddingRequest.fromJson(json(msg));
    } catch (MeshException e) {
      rejected(msg, Capability.EMBED, e);
      return;
    }
    route(routing.get(), msg, Capability.EMBED, request.model(), request.hints(), CostEstimator.embedding(request),
      Attempt.Forward.json((JsonObject) msg.body()));
  }

  public void speech(Message<Object> msg) {
    SpeechRequest request;
    try {
      request = SpeechRequest.fromJson(json(msg));
    } catch (MeshException e) {
      rejected(msg, Capability.SPEECH, e);
      return;
    }
    route(routing.get(), msg, Capability.SPEECH, request.model(), request.hints(), CostEstimator.speech(request),
      Attempt.Forward.json((JsonObject) msg.body()));
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
    route(routing.get(), msg, Capability.TRANSCRIBE, request.model(), request.hints(), CostEstimator.transcription(request, audio),
      request.language(), Attempt.Forward.audio(audio, model -> Map.of(TranscriptionRequest.PARAMS_HEADER, req.withModel(model).toJson().encode())));
  }

  /** A request refused before routing (malformed, invalid) still leaves its usage record before the refusal. */
  private void rejected(Message<Object> msg, Capability capability, MeshException e) {
    String rid = msg.headers().get(Headers.REQUEST_ID);
    long now = state.now();
    Finished f = new Finished(rid != null ? rid : Headers.newRequestId(),
      msg.headers().get(Headers.KEY_ID), capability, null, null, null, new JsonObject(), now, 0, -1, e.errorCode(), null,
      RequestSize.ZERO, -1, false, Prices.FREE);
    metering.finished(f, Admission.NONE).onComplete(v -> msg.reply(e));
  }

  private static JsonObject json(Message<Object> msg) {
    if (!(msg.body() instanceof JsonObject json)) {
      throw MeshException.invalid(null, "the request body must be a JSON object");
    }
    return json;
  }

  /** Called when the registry drops instances whose heartbeats stopped: their in-flight work moves elsewhere now. */
  public void instancesLost(List<String> instanceIds) {
    instances.lost(instanceIds);
  }

  private void route(Routing r, Message<Object> msg, Capability capability, String model, RouteHints hints, RequestSize size,
                     Attempt.Forward forward) {
    route(r, msg, capability, model, hints, size, null, forward);
  }

  private void route(Routing r, Message<Object> msg, Capability capability, String model, RouteHints hints, RequestSize size,
                     String language, Attempt.Forward forward) {
    String op = switch (capability) {
      case CHAT -> Headers.OP_CHAT;
      case EMBED -> Headers.OP_EMBED;
      case SPEECH -> Headers.OP_SPEECH;
      case TRANSCRIBE -> Headers.OP_TRANSCRIBE;
    };
    long now = state.now();
    long timeout = hints.timeoutMs() != null ? hints.timeoutMs() : r.settings().timeoutMs();
    Attempt a = new Attempt(msg, capability, op, model, forward, now, timeout, size, r.settings().retries(), metering);
    PlanRequest request = new PlanRequest(capability, model, hints, keyCeiling(msg), size, language);
    when(metering.identify(msg.headers()), key -> plan(r, a, request, key));
  }

  /** Plans under the key's ceiling and rules, then admits and dispatches; any refusal ends the attempt. */
  private void plan(Routing r, Attempt a, PlanRequest request, AsyncResult<ApiKey> identified) {
    if (identified.failed()) {
      a.fail(MeshException.from(identified.cause()));
      return;
    }
    ApiKey key = identified.result();
    RoutePlan plan;
    try {
      PlanRequest keyed = key == null ? request : new PlanRequest(request.capability(), request.model(), request.hints(),
        key.limits().privacyCeiling() == null ? request.keyCeiling() : key.limits().privacyCeiling().min(request.keyCeiling()),
        request.size(), request.language());
      if (key != null) {
        a.keyId = key.id();
      }
      plan = metering.restrict(key, request.model(), r.policy().plan(keyed, registry.live(), state, state.now()));
    } catch (MeshException e) {
      a.fail(e);
      return;
    }
    a.plan = plan;
    a.skipped.addAll(plan.skipped());
    when(metering.admit(key, a.capability, plan), admitted -> {
      if (admitted.failed()) {
        a.fail(MeshException.from(admitted.cause()));
        return;
      }
      a.admission = admitted.result();
      dispatcher.start(a);
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
