package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.router.web.console.AdminAuth;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The admin API, behind a bearer token ({@code SWITCHBOARD_ADMIN_TOKEN}, given to the web verticle as
 * {@code admin_token}): provider status, updates (enable/disable, priority, limits, custom config; applied on every
 * router of the cluster), health checks run now, cost comparison and a dry-run plan for a request, and the routing
 * strategy. Each call is one operation on the node's router ({@link Addresses#ROUTER_ADMIN}). Without a configured
 * token the admin API is off and its paths answer 404 saying so. Who may call is {@link AdminAuth}'s to say: the
 * bearer token, or the admin page's session.
 */
final class AdminRoutes {

  private static final System.Logger LOG = System.getLogger(AdminRoutes.class.getName());
  private static final long TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final AdminAuth auth;

  /** @param auth the admin token's gate (off when no token is configured) */
  AdminRoutes(Vertx vertx, AdminAuth auth) {
    this.vertx = vertx;
    this.auth = auth;
  }

  void mount(Router router, BodyHandler body) {
    if (!auth.enabled()) {
      LOG.log(System.Logger.Level.WARNING, "admin API disabled: no admin token configured (set SWITCHBOARD_ADMIN_TOKEN)");
    }
    // The token is checked before any route reads a body.
    router.route("/api/v1/providers/*").handler(this::authorize);
    router.route("/api/v1/strategy").handler(this::authorize);
    router.route("/api/v1/voice/*").handler(this::authorize); // served by the voice module's mount, when there is one
    router.get("/api/v1/providers/status").handler(ctx -> call(ctx, "status", null));
    router.get("/api/v1/providers/health").handler(ctx -> call(ctx, "health", null));
    router.post("/api/v1/providers/update").handler(body).handler(ctx -> withBody(ctx, "update"));
    router.post("/api/v1/providers/compare-cost").handler(body).handler(ctx -> withBody(ctx, "compare-cost"));
    router.post("/api/v1/providers/plan").handler(body).handler(ctx -> withBody(ctx, "plan"));
    router.get("/api/v1/strategy").handler(ctx -> call(ctx, "strategy", null));
    router.put("/api/v1/strategy").handler(body).handler(ctx -> withBody(ctx, "set-strategy"));
  }

  /**
   * Lets the request on with the admin token, or the admin page's session (with its CSRF token when the request
   * changes something); see {@link AdminAuth}. Other admin routes (usage, keys, voice) call this too.
   */
  void authorize(RoutingContext ctx) {
    auth.authorize(ctx);
  }

  private void withBody(RoutingContext ctx, String op) {
    JsonObject json = JsonRequests.optionalObject(ctx);
    if (json != null) {
      call(ctx, op, json);
    }
  }

  private void call(RoutingContext ctx, String op, JsonObject body) {
    JsonObject request = new JsonObject().put("op", op);
    if (body != null) {
      request.put("body", body);
    }
    vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, request, new DeliveryOptions().setLocalOnly(true).setSendTimeout(TIMEOUT_MS))
      .onComplete(ar -> {
        if (ar.failed()) {
          HttpErrors.send(ctx, ar.cause());
        } else {
          ctx.json(ar.result().body());
        }
      });
  }
}
