package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.core.usage.PresentedKey;
import io.switchboard.voice.auth.CallTokens;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.mode.CallModes;
import io.switchboard.voice.transport.StreamTransport;
import io.switchboard.voice.transport.TwilioTransport;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The voice endpoints on the node's web port: the two call WebSockets ({@code GET /v1/voice/twilio},
 * {@code GET /v1/voice/stream}), Twilio's TwiML webhook, and {@code POST /v1/voice/tokens} (a short-lived call token
 * for a client that should not hold the key, e.g. a browser). A call is refused before the upgrade, with 503 and
 * Retry-After, when the node is full or draining.
 */
final class VoiceRoutes {

  private static final System.Logger LOG = System.getLogger(VoiceRoutes.class.getName());

  private final CallServices services;
  private final CallRegistry registry;
  private final KeyVerifier keys;
  private final CallTokens tokens;
  private final TwimlWebhook twiml;
  private final CallModes modes;

  VoiceRoutes(CallServices services, CallRegistry registry, KeyVerifier keys, CallTokens tokens, TwimlWebhook twiml, CallModes modes) {
    this.modes = modes;
    this.services = services;
    this.registry = registry;
    this.keys = keys;
    this.tokens = tokens;
    this.twiml = twiml;
  }

  void mount(Router router) {
    router.get("/v1/voice/twilio").handler(ctx -> upgrade(ctx, true));
    router.get("/v1/voice/stream").handler(ctx -> upgrade(ctx, false));
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    router.post("/v1/voice/twilio/twiml").handler(body).handler(twiml::handle);
    router.post("/v1/voice/tokens").handler(this::token);
  }

  private void upgrade(RoutingContext ctx, boolean twilio) {
    if (notAWebSocket(ctx)) {
      return;
    }
    CallRegistry.Slot slot = registry.reserve();
    if (slot == null) {
      HttpReplies.error(ctx, registry.refusal());
      return;
    }
    String headerKey = presentedKey(ctx);
    ctx.request().toWebSocket().onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(System.Logger.Level.INFO, "voice: WebSocket upgrade of {0} failed: {1}", ctx.request().path(), ar.cause().toString());
        slot.release();
        return;
      }
      var ws = ar.result();
      slot.closer(() -> ws.close((short) 1001, "server shutting down"));
      CallGateway gateway = new CallGateway(services, keys, tokens, slot, modes);
      if (twilio) {
        new TwilioTransport(ws, gateway, slot::release).start();
      } else {
        new StreamTransport(ws, gateway, headerKey, slot::release).start();
      }
    });
  }

  /** {@code POST /v1/voice/tokens} with an API key: {@code {"token": ..., "expires_at": epoch ms}}. */
  private void token(RoutingContext ctx) {
    String key = presentedKey(ctx);
    if (key == null) {
      HttpReplies.error(ctx, new MeshException(ErrorCode.AUTHENTICATION, "send the API key as 'Authorization: Bearer sb-...' or 'x-api-key'"));
      return;
    }
    keys.verify(key).onComplete(ar -> {
      if (ar.failed()) {
        HttpReplies.error(ctx, MeshException.from(ar.cause()));
        return;
      }
      long now = System.currentTimeMillis();
      var ceiling = ar.result().limits().privacyCeiling();
      String privacy = ceiling == null ? null : ceiling.wireName();
      ctx.json(new JsonObject().put("token", tokens.mint(ar.result().id(), privacy, null, now)).put("expires_at", now + tokens.ttlMs()));
    });
  }

  /** Answers 400 and says so when {@code ctx} is not a WebSocket upgrade, as every call endpoint must be. */
  static boolean notAWebSocket(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader("upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      return false;
    }
    HttpReplies.error(ctx, MeshException.invalid(null, ctx.request().path() + " is a WebSocket: send an Upgrade: websocket request"));
    return true;
  }

  /** A Switchboard key on the request ({@code Authorization: Bearer sb-...} or {@code x-api-key}), or null. */
  static String presentedKey(RoutingContext ctx) {
    return PresentedKey.in(ctx.request().headers());
  }
}
