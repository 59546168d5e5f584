package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteHints;
import io.switchboard.api.VoiceModes;
import io.switchboard.api.ApiKey;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.voice.call.CallOptions;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.call.CallSession;
import io.switchboard.voice.mode.CallModes;
import io.switchboard.voice.mode.ModeMetrics;
import io.switchboard.voice.mode.ModeSwitch;
import io.switchboard.voice.realtime.RealtimePipeline;
import io.switchboard.voice.realtime.RealtimeRelay;
import io.switchboard.voice.realtime.RealtimeSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/realtime}: a WebSocket speaking OpenAI's Realtime API (GA), so that clients written for it reach
 * Switchboard's backends. The mode comes from the mode switch (or the {@code mode} query parameter, within the allowed
 * ones): in realtime mode the socket is relayed to a session on a realtime backend ({@link RealtimeRelay}; {@code model}
 * from the query, as OpenAI's clients send it, else {@code voice.realtime.model}); in pipeline mode it is served by the
 * cascade ({@link RealtimePipeline}). A session that cannot start starts in the fallback mode. Needs an API key when
 * keys are required ({@code Authorization: Bearer sb-...}); counts as a call on the node (its limit, its drain).
 */
final class RealtimeRoutes {

  private static final System.Logger LOG = System.getLogger(RealtimeRoutes.class.getName());

  private final CallServices services;
  private final CallRegistry registry;
  private final KeyVerifier keys;
  private final CallModes modes;
  private final RealtimeSettings realtime;
  private final ModeMetrics metrics;

  RealtimeRoutes(CallServices services, CallRegistry registry, KeyVerifier keys, CallModes modes, RealtimeSettings realtime,
                 ModeMetrics metrics) {
    this.services = services;
    this.registry = registry;
    this.keys = keys;
    this.modes = modes;
    this.realtime = realtime;
    this.metrics = metrics;
  }

  void mount(Router router) {
    router.get("/v1/realtime").handler(this::upgrade);
  }

  private void upgrade(RoutingContext ctx) {
    if (VoiceRoutes.notAWebSocket(ctx)) {
      return;
    }
    String key = VoiceRoutes.presentedKey(ctx);
    if (key == null && services.settings().requireKeys()) {
      HttpReplies.error(ctx, new MeshException(ErrorCode.AUTHENTICATION, "send the API key as 'Authorization: Bearer sb-...'"));
      return;
    }
    ModeSwitch.Choice choice;
    try {
      String asked = ctx.request().getParam("mode");
      choice = modes.modes().choose(asked == null ? null : new JsonObject().put("mode", asked));
    } catch (MeshException e) {
      HttpReplies.error(ctx, e);
      return;
    }
    CallRegistry.Slot slot = registry.reserve();
    if (slot == null) {
      HttpReplies.error(ctx, registry.refusal());
      return;
    }
    ctx.request().pause();
    Future<ApiKey> caller = key == null ? Future.succeededFuture() : keys.verify(key);
    caller.compose(k -> start(ctx, choice, k, slot)).onFailure(e -> {
      slot.release();
      HttpReplies.error(ctx, MeshException.from(e));
    });
  }

  private Future<Void> start(RoutingContext ctx, ModeSwitch.Choice choice, ApiKey key, CallRegistry.Slot slot) {
    String keyId = key == null ? null : key.id();
    if (!choice.mode().equals(VoiceModes.REALTIME)) {
      return pipeline(ctx, key, slot, null);
    }
    String model = ctx.request().getParam("model", realtime.model());
    RouteHints hints = new RouteHints(key == null ? null : key.limits().privacyCeiling(), null, null, null, null);
    return RealtimeRelay.open(services.vertx(), realtime, model, hints, keyId).compose(relay -> {
      metrics.started(VoiceModes.REALTIME);
      return ctx.request().toWebSocket().map(ws -> {
        slot.closer(() -> ws.close((short) 1001, "server shutting down"));
        relay.attach(ws, slot::release);
        return (Void) null;
      }).onFailure(e -> relay.abandon());
    }, e -> {
      if (!VoiceModes.PIPELINE.equals(choice.fallback())) {
        return Future.failedFuture(e);
      }
      LOG.log(System.Logger.Level.WARNING, "/v1/realtime: realtime mode could not start ({0}); serving it in pipeline mode", e.getMessage());
      metrics.fallback(VoiceModes.REALTIME, VoiceModes.PIPELINE);
      return pipeline(ctx, key, slot, VoiceModes.REALTIME);
    });
  }

  private Future<Void> pipeline(RoutingContext ctx, ApiKey key, CallRegistry.Slot slot, String fallbackFrom) {
    return ctx.request().toWebSocket().map(ws -> {
      Context context = Vertx.currentContext();
      slot.closer(() -> ws.close((short) 1001, "server shutting down"));
      JsonObject session = new JsonObject().put("type", "realtime").put("object", "realtime.session")
        .put("id", "sess_" + Headers.newRequestId().substring(4)).put("model", "switchboard-pipeline")
        .put("output_modalities", new JsonArray().add("audio"))
        .put("audio", new JsonObject()
          .put("input", new JsonObject().put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000))
            .put("turn_detection", new JsonObject().put("type", "server_vad")))
          .put("output", new JsonObject().put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000))));
      RealtimePipeline[] transport = new RealtimePipeline[1];
      transport[0] = new RealtimePipeline(ws, session, s -> {
        JsonObject params = new JsonObject();
        if (s.getString("instructions") != null) {
          params.put("system_prompt", s.getString("instructions"));
        }
        CallOptions options = CallOptions.of(services.settings().defaults(), params);
        if (key != null && key.limits().privacyCeiling() != null) {
          options = options.cappedAt(key.limits().privacyCeiling());
        }
        CallSession call = new CallSession(services, context, "call_" + Headers.newRequestId().substring(4), key == null ? null : key.id(),
          transport[0], options);
        if (fallbackFrom != null) {
          call.fellBackFrom(fallbackFrom);
        }
        metrics.started(VoiceModes.PIPELINE);
        slot.attach(call);
        return call;
      }, slot::release);
      return (Void) null;
    });
  }
}
