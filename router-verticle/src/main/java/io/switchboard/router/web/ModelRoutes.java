package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /v1/models}: the union of the live backends' models and aliases from the router's registry view, in
 * OpenAI's list shape; {@code owned_by} names the backends serving each.
 */
final class ModelRoutes {

  private final Vertx vertx;

  ModelRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router router) {
    router.get("/v1/models").handler(this::models);
  }

  private void models(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(), new DeliveryOptions().setLocalOnly(true))
      .onComplete(ar -> {
        if (ar.failed()) {
          HttpErrors.send(ctx, ar.cause());
          return;
        }
        Map<String, TreeSet<String>> owners = new TreeMap<>();
        for (Object o : ar.result().body().getJsonArray("backends", new JsonArray())) {
          JsonObject b = (JsonObject) o;
          String id = b.getString("id");
          b.getJsonArray("models", new JsonArray()).forEach(m -> owners.computeIfAbsent(String.valueOf(m), k -> new TreeSet<>()).add(id));
          b.getJsonObject("aliases", new JsonObject()).fieldNames().forEach(a -> owners.computeIfAbsent(a, k -> new TreeSet<>()).add(id));
        }
        JsonArray data = new JsonArray();
        owners.forEach((model, ids) -> data.add(new JsonObject().put("id", model).put("object", "model").put("created", 0)
          .put("owned_by", String.join(",", ids))));
        ctx.json(new JsonObject().put("object", "list").put("data", data));
      });
  }
}
