package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.VoiceModes;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code GET/PUT /api/v1/voice/mode}, behind the admin token: the mode new voice calls start in ({@link VoiceModes}:
 * {@code mode} or a split {@code modes}, {@code fallback_mode}, {@code allowed_modes}). A change is kept in the
 * cluster-wide map {@link Addresses#VOICE_MODE_MAP} by compare and set ({@link VoiceModeStore}; a voice node that
 * starts later reads it) and published to every
 * voice node ({@link Addresses#VOICE_MODE_UPDATES}), as provider updates are, and applied on this node's voice calls
 * before the answer ({@link Addresses#VOICE_MODE_APPLY}); calls in progress keep their mode. A PUT
 * may give only what changes; the rest stays. Until the first change, GET answers this node's conf
 * ({@code voice.mode}...).
 */
final class VoiceModeRoutes {

  private final Vertx vertx;
  private final VoiceModeStore store;
  private final Handler<RoutingContext> authorize;

  /** @param voiceConf this node's {@code voice} section (null: none) */
  VoiceModeRoutes(Vertx vertx, JsonObject voiceConf, Handler<RoutingContext> authorize) {
    this.vertx = vertx;
    VoiceModes conf;
    try {
      conf = VoiceModes.fromJson(voiceConf == null ? new JsonObject() : voiceConf, VoiceModes.DEFAULT);
    } catch (IllegalArgumentException e) {
      conf = VoiceModes.DEFAULT; // the voice mount reports the bad conf itself
    }
    this.store = new VoiceModeStore(vertx, conf);
    this.authorize = authorize;
  }

  void mount(Router router, BodyHandler body) {
    router.route("/api/v1/voice/mode").handler(authorize);
    router.get("/api/v1/voice/mode").handler(ctx -> store.current().onComplete(ar -> reply(ctx, ar.failed() ? null : ar.result(), ar.cause())));
    router.put("/api/v1/voice/mode").handler(body).handler(this::update);
  }

  private void update(RoutingContext ctx) {
    JsonObject change = JsonRequests.optionalObject(ctx);
    if (change == null) {
      return;
    }
    store.change(change).compose(stored -> {
      JsonObject json = stored.copy();
      json.remove("source");
      vertx.eventBus().publish(Addresses.VOICE_MODE_UPDATES, json);
      // This node's voice calls take it before the answer (none here, or slow: the publish still reaches it).
      return vertx.eventBus().request(Addresses.VOICE_MODE_APPLY, json,
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(2000)).otherwiseEmpty().map(v -> stored);
    }).onComplete(ar -> reply(ctx, ar.failed() ? null : ar.result(), ar.cause()));
  }

  private static void reply(RoutingContext ctx, JsonObject body, Throwable failure) {
    if (failure != null) {
      HttpErrors.send(ctx, failure);
    } else {
      ctx.json(body);
    }
  }
}
