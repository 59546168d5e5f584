package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The usage ledger's admin API, behind the admin token: usage totals ({@code GET /api/v1/usage?from=&to=&group_by=})
 * and the records as CSV ({@code GET /api/v1/usage/export?from=&to=&limit=}, streamed a page at a time:
 * {@link UsageExport}), and API keys (create, list, get, change limits with {@code PATCH /api/v1/keys/{id}} and
 * {@code {"limits": {...}}}, a merge patch; revoke, under {@code /api/v1/keys}). Each call is one request to the usage
 * verticle on the bus (this node's, or one
 * elsewhere in the cluster); the plaintext of a key appears once, in the answer to its creation.
 */
final class UsageRoutes {

  private static final long TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final Handler<RoutingContext> authorize;
  private final UsageExport export;

  UsageRoutes(Vertx vertx, Handler<RoutingContext> authorize) {
    this.vertx = vertx;
    this.authorize = authorize;
    this.export = new UsageExport(vertx, options(), UsageRoutes::fail);
  }

  void mount(Router router, BodyHandler body) {
    router.route("/api/v1/usage").handler(authorize);
    router.route("/api/v1/usage/*").handler(authorize);
    router.route("/api/v1/keys").handler(authorize);
    router.route("/api/v1/keys/*").handler(authorize);
    router.get("/api/v1/usage").handler(ctx -> usage(ctx, query(ctx, "query").put("group_by", ctx.request().getParam("group_by", "day"))));
    router.get("/api/v1/usage/export").handler(this::export);
    router.post("/api/v1/keys").handler(body).handler(this::create);
    router.get("/api/v1/keys").handler(ctx -> keys(ctx, new JsonObject().put("op", "list"), 200));
    router.get("/api/v1/keys/:id").handler(ctx -> keys(ctx, new JsonObject().put("op", "get").put("id", ctx.pathParam("id")), 200));
    router.patch("/api/v1/keys/:id").handler(body).handler(this::update);
    router.delete("/api/v1/keys/:id").handler(ctx -> keys(ctx, new JsonObject().put("op", "revoke").put("id", ctx.pathParam("id")), 200));
  }

  private static JsonObject query(RoutingContext ctx, String op) {
    return new JsonObject().put("op", op).put("from", ctx.request().getParam("from")).put("to", ctx.request().getParam("to"));
  }

  private void usage(RoutingContext ctx, JsonObject request) {
    vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY, request, options()).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        ctx.json(ar.result().body());
      }
    });
  }

  private void export(RoutingContext ctx) {
    String limit = ctx.request().getParam("limit");
    int max = UsageExport.DEFAULT_LIMIT;
    if (limit != null) {
      try {
        max = Integer.parseInt(limit.trim());
      } catch (NumberFormatException e) {
        HttpErrors.send(ctx.response(), MeshException.invalid("limit", "limit must be a whole number, got '" + limit + "'"));
        return;
      }
    }
    export.stream(ctx.response(), query(ctx, "export"), max);
  }

  private void update(RoutingContext ctx) {
    JsonObject body = JsonRequests.optionalObject(ctx);
    if (body == null) {
      return;
    }
    for (String field : body.fieldNames()) {
      if (!field.equals("limits")) {
        HttpErrors.send(ctx.response(), MeshException.invalid(field, "only a key's limits can change: send {\"limits\": {...}} "
          + "(the name of a key is fixed; '" + field + "' is not accepted)"));
        return;
      }
    }
    keys(ctx, new JsonObject().put("op", "update").put("id", ctx.pathParam("id")).put("limits", body.getValue("limits")), 200);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = JsonRequests.optionalObject(ctx);
    if (body == null) {
      return;
    }
    Object name = body.getValue("name");
    if (name != null && !(name instanceof String n && n.length() <= 200 && n.chars().noneMatch(Character::isISOControl))) {
      HttpErrors.send(ctx.response(), MeshException.invalid("name", "'name' must be a string of at most 200 characters, "
        + "without control characters"));
      return;
    }
    if (body.getValue("limits") != null && !(body.getValue("limits") instanceof JsonObject)) {
      HttpErrors.send(ctx.response(), MeshException.invalid("limits", "'limits' must be an object"));
      return;
    }
    keys(ctx, body.copy().put("op", "create"), 201);
  }

  private void keys(RoutingContext ctx, JsonObject request, int status) {
    vertx.eventBus().<JsonObject>request(Addresses.KEYS, request, options()).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        ctx.response().setStatusCode(status);
        ctx.json(ar.result().body());
      }
    });
  }

  private static DeliveryOptions options() {
    return new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    fail(ctx.response(), cause);
  }

  private static void fail(HttpServerResponse response, Throwable cause) {
    if (cause instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
      HttpErrors.send(response, new MeshException(ErrorCode.UNAVAILABLE,
        "the usage ledger is not running anywhere in this mesh (usage.enabled)"));
    } else {
      HttpErrors.send(response, MeshException.from(cause));
    }
  }
}
