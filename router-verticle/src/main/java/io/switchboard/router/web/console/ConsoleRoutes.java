package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.router.web.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The admin page at {@code /admin}: its files from the jar ({@code switchboard-console/}: plain HTML, CSS and
 * JavaScript modules, no build step, nothing fetched from elsewhere) and the few calls only the page needs under
 * {@code /admin/api}: the session (log in, who am I, log out), the live feed, the audit list and usage series; and
 * {@code GET /api/v1/voice/calls}, the cluster's open calls ({@link VoiceCalls}). The
 * page's other calls are the JSON admin API itself ({@code /api/v1/...}), which takes the page's session cookie and
 * CSRF token as well as the bearer token ({@link AdminAuth}). The files hold no data and are served to anyone; every
 * call behind them needs the admin token or a session. With no admin token configured, everything here is 404.
 */
public final class ConsoleRoutes {

  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);

  private final Vertx vertx;
  private final AdminAuth auth;
  private final LiveFeed feed;
  private final UsageSeries usage;
  private final VoiceCalls calls;
  private final String node;

  public ConsoleRoutes(Vertx vertx, AdminAuth auth, String node) {
    this.vertx = vertx;
    this.auth = auth;
    this.node = node;
    this.feed = new LiveFeed(vertx, this::status, node, auth::live);
    this.usage = new UsageSeries(vertx);
    this.calls = new VoiceCalls(vertx);
  }

  public Future<Void> start() {
    return auth.enabled() ? auth.start().compose(v -> feed.start()).compose(v -> calls.start()) : Future.succeededFuture();
  }

  public Future<Void> stop() {
    return auth.enabled() ? feed.stop().eventually(calls::stop).eventually(auth::stop) : Future.succeededFuture();
  }

  public void mount(Router router, BodyHandler body) {
    router.route("/admin*").handler(ConsoleRoutes::headers);
    if (!auth.enabled()) {
      router.route("/admin*").handler(auth::authorize); // 404 naming the missing token
      return;
    }
    router.getWithRegex("/admin").handler(ctx -> ctx.redirect("/admin/")); // exactly /admin: the page's links are relative
    router.post("/admin/api/session").handler(body).handler(auth::login);
    router.get("/admin/api/session").handler(auth::session);
    router.route("/admin/api/*").handler(auth::authorize);
    router.delete("/admin/api/session").handler(auth::logout);
    router.get("/admin/api/events").handler(feed::open);
    router.get("/admin/api/audit").handler(this::audit);
    router.get("/admin/api/usage/series").handler(this::series);
    router.get("/admin/api/node").handler(ctx -> ctx.json(new JsonObject().put("node", node)));
    // behind AdminRoutes' check on /api/v1/voice/*: the cluster's open calls, as the voice nodes report them
    router.get("/api/v1/voice/calls").handler(ctx -> ctx.response().putHeader("cache-control", "no-store")
      .putHeader("content-type", "application/json").end(calls.answer(System.currentTimeMillis()).encode()));
    router.route("/admin/api/*").handler(ctx -> HttpErrors.send(ctx.response(), new MeshException(ErrorCode.NOT_FOUND,
      "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.route("/admin/*").handler(StaticHandler.create("switchboard-console").setCachingEnabled(false)
      .setDirectoryListing(false).setIndexPage("index.html").setDefaultContentEncoding("UTF-8"));
  }

  private static void headers(RoutingContext ctx) {
    ctx.response().putHeader("content-security-policy", CSP)
      .putHeader("x-content-type-options", "nosniff")
      .putHeader("referrer-policy", "no-referrer")
      .putHeader("x-frame-options", "DENY")
      .putHeader("cache-control", "no-store");
    ctx.next();
  }

  private Future<JsonObject> status() {
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "status"), LOCAL)
      .map(m -> m.body());
  }

  private void audit(RoutingContext ctx) {
    int limit;
    try {
      limit = Math.max(1, Math.min(AuditTrail.KEEP, Integer.parseInt(ctx.request().getParam("limit", "100"))));
    } catch (NumberFormatException e) {
      HttpErrors.send(ctx.response(), MeshException.invalid("limit", "limit must be a whole number"));
      return;
    }
    auth.audit().list(limit).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
      } else {
        ctx.json(new JsonObject().put("entries", ar.result()));
      }
    });
  }

  private void series(RoutingContext ctx) {
    Future<JsonObject> answer;
    try {
      answer = usage.series(ctx.request().getParam("by", "backend"), Long.parseLong(ctx.request().getParam("range_ms", "86400000")),
        Integer.parseInt(ctx.request().getParam("buckets", "24")), System.currentTimeMillis());
    } catch (NumberFormatException e) {
      HttpErrors.send(ctx.response(), MeshException.invalid("range_ms", "range_ms and buckets must be whole numbers"));
      return;
    } catch (MeshException e) {
      HttpErrors.send(ctx.response(), e);
      return;
    }
    answer.onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
      } else {
        ctx.json(ar.result());
      }
    });
  }
}
