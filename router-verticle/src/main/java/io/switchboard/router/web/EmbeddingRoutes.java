package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.Capability;
import io.switchboard.api.EmbeddingRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** {@code POST /v1/embeddings}: validated here, routed on {@code switchboard.embed}, answered as OpenAI's list. */
final class EmbeddingRoutes {

  private final Vertx vertx;

  EmbeddingRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router, BodyHandler body, JsonRequests json) {
    router.post("/v1/embeddings").handler(body).handler(json.of(Capability.EMBED, this::embeddings));
  }

  private void embeddings(RoutingContext ctx, JsonObject body) {
    EmbeddingRequest.fromJson(body);
    vertx.eventBus().<Object>request(Addresses.EMBED, body, RouterBus.wholeAsBytes(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      RouterBus.routeHeaders(ctx.response(), ar.result());
      ctx.response().putHeader("content-type", "application/json").end(RouterBus.jsonBody(ar.result().body()));
    });
  }
}
