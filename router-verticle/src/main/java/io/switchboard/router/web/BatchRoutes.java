package io.switchboard.router.web;

import io.switchboard.api.MeshException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /v1/batch}: {@code {"requests":[<chat request>...], "max_parallel": 4, "item_timeout_ms": 60000}} →
 * {@code {"object":"list","data":[{"index","status","response"|"error","backend"}...]}}. Config (the {@code http}
 * slice): {@code batch_max_items} (100), {@code batch_max_parallel} (16).
 */
final class BatchRoutes {

  private final BatchRunner runner;
  private final int maxItems;
  private final int maxParallel;

  BatchRoutes(Vertx vertx, JsonObject conf) {
    this.runner = new BatchRunner(vertx);
    this.maxItems = conf.getInteger("batch_max_items", 100);
    this.maxParallel = conf.getInteger("batch_max_parallel", 16);
  }

  void mount(Router router, BodyHandler body, JsonRequests json) {
    router.post("/v1/batch").handler(body).handler(json.of(null, this::batch));
  }

  private void batch(RoutingContext ctx, JsonObject body) {
    Object requests = body.getValue("requests");
    if (!(requests instanceof JsonArray items)) {
      throw MeshException.invalid("requests", requests == null ? "'requests' is required" : "'requests' must be an array of chat requests");
    }
    if (items.size() > maxItems) {
      throw MeshException.invalid("requests", "a batch holds at most " + maxItems + " requests, got " + items.size());
    }
    int parallel = positive(body, "max_parallel", 4, maxParallel);
    long itemTimeout = positive(body, "item_timeout_ms", 60_000, 600_000);
    runner.run(items, parallel, itemTimeout, RouterBus.options(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
      } else {
        ctx.response().putHeader("content-type", "application/json").end(ar.result().toBuffer());
      }
    });
  }

  private static int positive(JsonObject body, String field, int fallback, int max) {
    Object v = body.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1 || n.intValue() > max) {
      throw MeshException.invalid(field, "'" + field + "' must be an integer between 1 and " + max);
    }
    return n.intValue();
  }
}
