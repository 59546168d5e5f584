package io.switchboard.router;

import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.PlanRequest;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes one request from a capability entry point to a backend: validates it, sizes it, asks the policy for the
 * plan once (a conf change never alters a request in flight), and hands it to the {@link Dispatcher}, which tries
 * the candidates in turn and relays the answer.
 */
public final class RequestRouter {

  public static final String BACKEND_HEADER = "x-switchboard-backend";
  public static final String ROUTE_HEADER = "x-switchboard-route";
  /**
   * The most the caller's API key allows its data to travel (set by the web verticle from the key); the request's
   * own {@code privacy} is capped by it. A value that is not a privacy class counts as {@code local}.
   */
  public static final String KEY_PRIVACY_HEADER = "x-switchboard-key-privacy";

  private final BackendRegistry registry;
  private final Supplier<Routing> routing;
  private final RouterState state;
  private final InstanceTracker instances;
  private final Dispatcher dispatcher;
  private final Consumer<Finished> listener;

  public RequestRouter(Vertx vertx, BackendRegistry registry, Supplier<Routing> routing, RouterState state,
                       long streamIdleTimeoutMs, Consumer<Finished> listener) {
    this.registry = registry;
    this.routing = routing;
    this.state = state;
    this.instances = new InstanceTracker(registry);
    this.dispatcher = new Dispatcher(vertx, instances, state, streamIdleTimeoutMs, () -> ThreadLocalRandom.current().nextDouble());
    this.listener = listener;
  }

  public void chat(Message<Object> msg) {
    ChatRequest request;
    try {
      request = ChatRequest.fromJson(json(msg));
    } catch (MeshException e) {
      msg.reply(e);
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
      msg.reply(e);
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
      msg.reply(e);
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
    Attempt a = new Attempt(msg, capability, op, model, forward, now, timeout, size.tokens(), r.settings().retries(), listener);
    try {
      PlanRequest request = new PlanRequest(capability, model, hints, keyCeiling(msg), size, language);
      a.plan = r.policy().plan(request, registry.live(), state, now);
    } catch (MeshException e) {
      a.fail(e);
      return;
    }
    a.skipped.addAll(a.plan.skipped());
    dispatcher.start(a);
  }

  static Privacy keyCeiling(Message<?> msg) {
    String v = msg.headers().get(KEY_PRIVACY_HEADER);
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
