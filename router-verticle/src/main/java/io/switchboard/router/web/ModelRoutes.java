package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /v1/models}: the union of the live backends' models and aliases from the router's registry view, in
 * OpenAI's list shape; {@code owned_by} names the backends serving each. A pass-through backend (no models of its own:
 * it serves any name) contributes what its upstream listed at its last health probe ({@code listed} in its
 * descriptor), so no request here calls out.
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
          List<Object> names = new ArrayList<>(b.getJsonArray("models", new JsonArray()).getList());
          names.addAll(b.getJsonArray("listed", new JsonArray()).getList());
          names.addAll(b.getJsonObject("aliases", new JsonObject()).fieldNames());
          names.forEach(name -> owners.computeIfAbsent(String.valueOf(name), k -> new TreeSet<>()).add(id));
        }
        JsonArray data = new JsonArray();
        owners.forEach((model, ids) -> data.add(new JsonObject().put("id", model).put("object", "model").put("created", 0)
          .put("owned_by", String.join(",", ids))));
        ctx.json(new JsonObject().put("object", "list").put("data", data));
      });
  }
}
