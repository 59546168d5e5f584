package io.switchboard.router.web;

import io.switchboard.api.AudioCodec;
import io.switchboard.api.Headers;
import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.core.web.WebMount;
import io.switchboard.router.metrics.RequestMetrics;
import io.switchboard.router.usage.UsageRecorder;
import io.switchboard.router.usage.UsageSettings;
import io.switchboard.router.web.console.AdminAuth;
import io.switchboard.router.web.console.ConsoleRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Wires the OpenAI-compatible HTTP API over the bus entry points, plus health, metrics and the admin API: one routes
 * class per resource ({@link ChatRoutes}, {@link EmbeddingRoutes}, {@link BatchRoutes}, {@link AudioRoutes},
 * {@link ModelRoutes}, {@link HealthRoutes}, {@link AdminRoutes}, {@link UsageRoutes}, {@link ArtifactRoutes}, the admin page's
 * {@link ConsoleRoutes}), JSON bodies checked by
 * {@link JsonRequests}. Config (the {@code http} slice): {@code port} (8080), {@code host} (0.0.0.0),
 * {@code body_limit_bytes} (4 MiB), {@code upload_limit_bytes} (25 MiB), {@code stream_idle_timeout_ms} (60000),
 * {@code tls} (https: {@link HttpTls}),
 * {@code admin_token} (the admin API's bearer token; unset: admin API and page off; {@link AdminAuth} has the admin
 * page's session settings), {@code node_name} (this node in the admin page and its audit list: {@code HOSTNAME}),
 * {@code usage} (the node's
 * {@link UsageSettings}: API keys checked here, the usage and keys admin API, records of requests refused before the
 * router).
 */
public final class WebVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(WebVerticle.class.getName());
  private static final java.util.regex.Pattern SANE_REQUEST_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private HttpServer server;
  private KeyVerifier keys;
  private KeyAuth auth;
  private EdgeRecords edge;
  private ConsoleRoutes console;
  private List<WebMount> mounts = List.of();
  private final Supplier<Artifacts> artifacts;

  /** A web verticle whose node keeps no artifacts: {@code /v1/artifacts} answers 404. */
  public WebVerticle() {
    this(() -> null);
  }

  /** @param artifacts the node's artifacts and cache (its router's), for {@code /v1/artifacts}; may supply null */
  public WebVerticle(Supplier<Artifacts> artifacts) {
    this.artifacts = artifacts;
  }

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
    JsonHandOver.register(vertx);
    JsonObject conf = config();
    UsageSettings usage = UsageSettings.fromJson(conf.getJsonObject("usage"));
    if (usage.requireKeys() && !usage.enabled()) {
      return Future.failedFuture(new IllegalArgumentException(
        "auth.require_keys needs the usage ledger, which holds the keys (usage.enabled is false)"));
    }
    Future<KeyVerifier> verifier = usage.enabled() ? KeyVerifier.overBus(vertx) : Future.succeededFuture();
    return verifier.compose(v -> {
      keys = v;
      auth = new KeyAuth(v, usage.requireKeys());
      edge = new EdgeRecords(usage.enabled() ? new UsageRecorder(vertx, usage.durableAnswers(), usage.recordTimeoutMs()) : null,
        RequestMetrics.of(BackendRegistries.getDefaultNow(), (backend, model) -> RequestMetrics.OTHER));
      return serve(conf);
    });
  }

  @Override
  public Future<?> stop() {
    Future<Void> consoleStopped = console == null ? Future.succeededFuture() : console.stop();
    return consoleStopped.eventually(() -> keys == null ? Future.succeededFuture() : keys.close());
  }

  private Future<HttpServer> serve(JsonObject conf) {
    long idleTimeoutMs = conf.getLong("stream_idle_timeout_ms", 60_000L);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(conf.getLong("body_limit_bytes", 4L * 1024 * 1024));
    JsonRequests json = new JsonRequests(auth, edge);

    Router router = Router.router(vertx);
    router.route().handler(WebVerticle::identify);
    new ChatRoutes(vertx, idleTimeoutMs).mount(router, body, json);
    new EmbeddingRoutes(vertx).mount(router, body, json);
    new BatchRoutes(vertx, conf).mount(router, body, json);
    new AudioRoutes(vertx, conf.getLong("upload_limit_bytes", 25L * 1024 * 1024), idleTimeoutMs, auth, edge).mount(router, body, json);
    new ModelRoutes(vertx).mount(router);
    new HealthRoutes(vertx, () -> mounts.stream().allMatch(WebMount::ready)).mount(router);
    String node = conf.getString("node_name", System.getenv().getOrDefault("HOSTNAME", "switchboard"));
    AdminAuth adminAuth = AdminAuth.fromConfig(vertx, conf, node);
    AdminRoutes admin = new AdminRoutes(vertx, adminAuth);
    admin.mount(router, body);
    new ArtifactRoutes(artifacts, auth, adminAuth).mount(router);
    new UsageRoutes(vertx, admin::authorize).mount(router, body);
    new VoiceModeRoutes(vertx, conf.getJsonObject("mounts", new JsonObject()).getJsonObject("voice"), admin::authorize).mount(router, body);
    console = new ConsoleRoutes(vertx, adminAuth, node);
    console.mount(router, body);
    // No route for the path (404), or one for the path but not the method (405): OpenAI errors like every other.
    router.errorHandler(404, ctx -> HttpErrors.send(ctx.response(), HttpErrors.of(ctx)));
    router.errorHandler(405, ctx -> HttpErrors.send(ctx.response(), HttpErrors.of(ctx)));
    router.route().failureHandler(ctx -> {
      HttpErrors.send(ctx.response(), HttpErrors.of(ctx));
      if (HttpErrors.bodyUnreadable(ctx)) {
        // A body the decoder could not read (a chunk size that is not hex): Vert.x drops the connection as soon as this
        // returns, before writes made while reading are flushed. Closing it here flushes the answer first.
        ctx.request().connection().close();
      }
    });

    HttpServerOptions options = new HttpServerOptions()
      .setPort(conf.getInteger("port", 8080))
      .setHost(conf.getString("host", "0.0.0.0"))
      .setTcpNoDelay(true)
      // A body's bytes come to its handler in pieces of at most this (Netty's default is 8 KiB): each piece is a copy,
      // a dispatch and a parse step, and an upload of 960 KB was 120 of them (MultipartReader, the exact cache's key).
      .setMaxChunkSize(64 * 1024)
      .setCompressionSupported(false);
    try {
      HttpTls.apply(conf.getValue("tls"), options);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return console.start()
      .compose(v -> WebMount.mountAll(WebMount.discover(), vertx, router, conf.getJsonObject("mounts")))
      .compose(m -> {
        mounts = m; // other modules' routes on this port (the voice calls), see WebMount
        return vertx.createHttpServer(options).requestHandler(router).invalidRequestHandler(InvalidRequests::answer).listen();
      }).onSuccess(s -> {
      server = s;
      LOG.log(System.Logger.Level.INFO, "HTTP API listening on {0}:{1,number,#}{2}", options.getHost(), s.actualPort(),
        options.isSsl() ? " (https; HTTP/2 over ALPN)" : "");
    });
  }

  /**
   * Gives every request its id (the caller's {@code x-request-id} when it is 1 to 128 letters, digits and
   * {@code . _ : -}, so that it can travel in headers and logs as it is) and its arrival time, then goes on.
   */
  private static void identify(RoutingContext ctx) {
    String rid = ctx.request().getHeader(Headers.REQUEST_ID);
    if (rid == null || !SANE_REQUEST_ID.matcher(rid).matches()) {
      rid = Headers.newRequestId();
    }
    ctx.put(Headers.REQUEST_ID, rid);
    ctx.put(EdgeRecords.STARTED_AT, System.currentTimeMillis());
    ctx.response().putHeader(Headers.REQUEST_ID, rid);
    ctx.next();
  }

  /**
   * Drains the mounts (calls end or their own drain time passes), then stops taking new connections and lets open
   * requests and streams finish for up to {@code timeoutMs}, then closes: the first step of a node's graceful stop
   * (an undeploy would close the server at once).
   */
  public Future<Void> shutdown(long timeoutMs) {
    return drainMounts().compose(v -> closeHttp(timeoutMs));
  }

  /** The mounts' drain alone: voice calls are refused and those open end, or their own drain time passes. */
  public Future<Void> drainMounts() {
    return server == null ? Future.succeededFuture() : WebMount.drainAll(mounts);
  }

  /** Stops taking new connections and lets open requests and streams finish for up to {@code timeoutMs}. */
  public Future<Void> closeHttp(long timeoutMs) {
    return server == null ? Future.succeededFuture() : server.shutdown(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
