package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.function.BooleanSupplier;

/**
 * What probes and scrapers read: {@code GET /health/live} (the process answers), {@code GET /health/ready} (the router
 * answers and at least one backend is live; 503 otherwise) and {@code GET /metrics} (Prometheus, when metrics are on).
 */
final class HealthRoutes {

  private final Vertx vertx;
  private final BooleanSupplier mountsReady;

  /** {@code mountsReady}: false while a module's routes on this port take no new work (a voice node draining). */
  HealthRoutes(Vertx vertx, BooleanSupplier mountsReady) {
    this.vertx = vertx;
    this.mountsReady = mountsReady;
  }

  void mount(Router router) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  private void ready(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(), new DeliveryOptions().setLocalOnly(true).setSendTimeout(2000))
      .onComplete(ar -> {
        int live = ar.succeeded() ? ar.result().body().getJsonArray("backends", new JsonArray()).size() : 0;
        boolean ready = ar.succeeded() && live > 0 && mountsReady.getAsBoolean();
        ctx.response().setStatusCode(ready ? 200 : 503);
        ctx.json(new JsonObject().put("status", ready ? "ready" : "not ready").put("router", ar.succeeded()).put("live_backends", live));
      });
  }

  private void metrics(RoutingContext ctx) {
    if (BackendRegistries.getDefaultNow() == null) {
      HttpErrors.send(ctx.response(), new MeshException(ErrorCode.NOT_FOUND, "metrics are disabled in this process"));
      return;
    }
    PrometheusScrapingHandler.create().handle(ctx);
  }
}
