package io.switchboard.app;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.web.WebMount;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The HTTP server of a node that runs no router but has web mounts to serve (a {@code voice} node): the mounts'
 * routes (the call WebSockets), {@code /health/live}, {@code /health/ready} (200 while the mounts are ready and the
 * node is not stopping) and {@code /metrics}. Config: the {@code http} slice ({@code port}, {@code host}) with the
 * mounts' sections under {@code mounts}, as the API's web verticle gets them.
 */
final class NodeWebVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(NodeWebVerticle.class.getName());

  private final BooleanSupplier draining;
  private HttpServer server;
  private List<WebMount> mounts = List.of();

  NodeWebVerticle(BooleanSupplier draining) {
    this.draining = draining;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(ctx -> {
      boolean ready = !draining.getAsBoolean() && mounts.stream().allMatch(WebMount::ready);
      ctx.response().setStatusCode(ready ? 200 : 503);
      ctx.json(new JsonObject().put("status", ready ? "ready" : draining.getAsBoolean() ? "draining" : "not ready"));
    });
    router.get("/metrics").handler(ctx -> {
      if (BackendRegistries.getDefaultNow() == null) {
        error(ctx.response(), new MeshException(ErrorCode.NOT_FOUND, "metrics are disabled in this process"));
      } else {
        PrometheusScrapingHandler.create().handle(ctx);
      }
    });
    HttpServerOptions options = new HttpServerOptions().setPort(conf.getInteger("port", 8080)).setHost(conf.getString("host", "0.0.0.0"))
      .setTcpNoDelay(true);
    return WebMount.mountAll(WebMount.discover(), vertx, router, conf.getJsonObject("mounts")).compose(m -> {
      mounts = m;
      router.route().last().handler(ctx -> error(ctx.response(),
        new MeshException(ErrorCode.NOT_FOUND, "no route for " + ctx.request().method() + " " + ctx.request().path())));
      return vertx.createHttpServer(options).requestHandler(router).listen();
    }).onSuccess(s -> {
      server = s;
      LOG.log(System.Logger.Level.INFO, "node HTTP (no API) listening on {0}:{1,number,#}", options.getHost(), s.actualPort());
    });
  }

  int actualPort() {
    return server.actualPort();
  }

  /** The mounts' drain: calls end or their own drain time passes. */
  Future<Void> drainMounts() {
    return server == null ? Future.succeededFuture() : WebMount.drainAll(mounts);
  }

  /** Stops taking connections, lets those open finish for up to {@code timeoutMs}, and closes. */
  Future<Void> closeHttp(long timeoutMs) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static void error(io.vertx.core.http.HttpServerResponse res, MeshException e) {
    res.setStatusCode(e.errorCode().httpStatus()).putHeader("content-type", "application/json").end(e.toOpenAiJson().encode());
  }
}
