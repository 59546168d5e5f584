package io.switchboard.router.web;

import io.switchboard.api.Addresses;
import io.switchboard.api.AudioCodec;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.web.WebMount;
import io.switchboard.router.RequestRouter;
import io.switchboard.router.usage.UsageRecorder;
import io.switchboard.router.usage.UsageSettings;
import io.switchboard.usage.keys.KeyVerifier;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The OpenAI-compatible HTTP API over the bus entry points, plus health, metrics and the admin API. Config (the
 * {@code http} slice): {@code port} (8080), {@code host} (0.0.0.0), {@code body_limit_bytes} (4 MiB),
 * {@code upload_limit_bytes} (25 MiB), {@code stream_idle_timeout_ms} (60000), {@code admin_token} (the admin API's
 * bearer token; unset: admin API off), {@code usage} (the node's {@link UsageSettings}: API keys checked here, the
 * usage and keys admin API, records of requests refused before the router).
 */
public final class WebVerticle extends VerticleBase {

  private static final System.Logger LOG = System.getLogger(WebVerticle.class.getName());

  private HttpServer server;
  private long idleTimeoutMs;
  private KeyVerifier keys;
  private KeyAuth auth;
  private EdgeRecords edge;
  private List<WebMount> mounts = List.of();

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    AudioCodec.register(vertx);
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
      edge = new EdgeRecords(usage.enabled() ? new UsageRecorder(vertx, usage.durableAnswers(), usage.recordTimeoutMs()) : null);
      return serve(conf);
    });
  }

  @Override
  public Future<?> stop() {
    return keys == null ? Future.succeededFuture() : keys.close();
  }

  private Future<HttpServer> serve(JsonObject conf) {
    idleTimeoutMs = conf.getLong("stream_idle_timeout_ms", 60_000L);
    AudioRoutes audio = new AudioRoutes(vertx, conf.getLong("upload_limit_bytes", 25L * 1024 * 1024), idleTimeoutMs, auth, edge);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(conf.getLong("body_limit_bytes", 4L * 1024 * 1024));

    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      String rid = ctx.request().getHeader(Headers.REQUEST_ID);
      if (rid == null || rid.isBlank() || rid.length() > 128) {
        rid = Headers.newRequestId();
      }
      ctx.put(Headers.REQUEST_ID, rid);
      ctx.put(EdgeRecords.STARTED_AT, System.currentTimeMillis());
      ctx.response().putHeader(Headers.REQUEST_ID, rid);
      ctx.next();
    });
    router.post("/v1/chat/completions").handler(body).handler(ctx -> withJson(ctx, Capability.CHAT, this::chat));
    router.post("/v1/embeddings").handler(body).handler(ctx -> withJson(ctx, Capability.EMBED, this::embeddings));
    BatchRoutes batch = new BatchRoutes(vertx, conf);
    router.post("/v1/batch").handler(body).handler(ctx -> withJson(ctx, batch::batch));
    router.post("/v1/audio/speech").handler(body).handler(ctx -> withJson(ctx, Capability.SPEECH, audio::speech));
    router.post("/v1/audio/transcriptions").handler(audio::transcriptions);
    router.get("/v1/models").handler(this::models);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
    AdminRoutes admin = new AdminRoutes(vertx, conf.getString("admin_token"));
    admin.mount(router, body);
    new UsageRoutes(vertx, admin::authorize).mount(router, body);
    router.route().last().handler(ctx -> HttpErrors.send(ctx.response(),
      new MeshException(ErrorCode.NOT_FOUND, "no route for " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(ctx -> HttpErrors.send(ctx.response(), HttpErrors.of(ctx)));

    HttpServerOptions options = new HttpServerOptions()
      .setPort(conf.getInteger("port", 8080))
      .setHost(conf.getString("host", "0.0.0.0"))
      .setTcpNoDelay(true)
      .setCompressionSupported(false);
    return WebMount.mountAll(WebMount.discover(), vertx, router, conf.getJsonObject("mounts")).compose(m -> {
      mounts = m; // other modules' routes on this port (the voice calls), see WebMount
      return vertx.createHttpServer(options).requestHandler(router).listen();
    }).onSuccess(s -> {
      server = s;
      LOG.log(System.Logger.Level.INFO, "HTTP API listening on {0}:{1,number,#}", options.getHost(), s.actualPort());
    });
  }

  /** The port actually bound (useful with port 0). */
  /**
   * Stops taking new connections and lets open requests and streams finish for up to {@code timeoutMs}, then
   * closes: the first step of a node's graceful stop (an undeploy would close the server at once).
   */
  public Future<Void> shutdown(long timeoutMs) {
    return server == null ? Future.succeededFuture()
      : WebMount.drainAll(mounts).compose(v -> server.shutdown(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS));
  }

  public int actualPort() {
    return server.actualPort();
  }

  private interface JsonHandler {
    void handle(RoutingContext ctx, JsonObject body);
  }

  private void withJson(RoutingContext ctx, JsonHandler handler) {
    withJson(ctx, null, handler);
  }

  /**
   * Checks the API key (401), parses a JSON object body (415 for another content type, 400 for broken JSON) and
   * merges the policy headers; a refusal of a {@code capability} request is recorded in the usage ledger.
   */
  private void withJson(RoutingContext ctx, Capability capability, JsonHandler handler) {
    Future<Void> authenticated = auth.authenticate(ctx);
    if (authenticated.succeeded()) {
      parsed(ctx, capability, handler);
    } else {
      authenticated.onComplete(ar -> {
        if (ar.failed()) {
          edge.refuse(ctx, capability, ar.cause());
        } else {
          parsed(ctx, capability, handler);
        }
      });
    }
  }

  private void parsed(RoutingContext ctx, Capability capability, JsonHandler handler) {
    try {
      String contentType = ctx.request().getHeader("content-type");
      if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "Content-Type must be application/json"
          + (contentType == null ? "" : ", got " + contentType.split(";")[0]));
      }
      Buffer raw = ctx.body().buffer();
      if (raw == null || raw.length() == 0) {
        throw MeshException.invalid(null, "the request body is empty; expected a JSON object");
      }
      Object parsed;
      try {
        parsed = io.vertx.core.json.Json.decodeValue(raw);
      } catch (DecodeException e) {
        throw MeshException.invalid(null, "the request body is not valid JSON");
      }
      if (!(parsed instanceof JsonObject json)) {
        throw MeshException.invalid(null, "the request body must be a JSON object, got " + (parsed instanceof JsonArray ? "an array" : "a value"));
      }
      PolicyHeaders.mergeInto(ctx.request().headers(), json);
      handler.handle(ctx, json);
    } catch (RuntimeException e) {
      edge.refuse(ctx, capability, e);
    }
  }


  static DeliveryOptions busOptions(RoutingContext ctx) {
    // Local only: every router node runs its own router verticle; no cluster hop for the entry point.
    DeliveryOptions o = new DeliveryOptions().setLocalOnly(true).setSendTimeout(24 * 3600_000L)
      .addHeader(Headers.REQUEST_ID, ctx.<String>get(Headers.REQUEST_ID));
    String keyId = ctx.get(Headers.KEY_ID);
    if (keyId != null) {
      o.addHeader(Headers.KEY_ID, keyId);
    }
    String ceiling = ctx.get(RequestRouter.KEY_PRIVACY_HEADER);
    if (ceiling != null) {
      o.addHeader(RequestRouter.KEY_PRIVACY_HEADER, ceiling);
    }
    return o;
  }

  static void routeHeaders(HttpServerResponse res, Message<Object> reply) {
    String backend = reply.headers().get(RequestRouter.BACKEND_HEADER);
    if (backend != null) {
      res.putHeader(RequestRouter.BACKEND_HEADER, backend);
    }
    String route = reply.headers().get(RequestRouter.ROUTE_HEADER);
    if (route != null) {
      try {
        res.putHeader(RequestRouter.ROUTE_HEADER, io.switchboard.api.RouteInfo.fromJson(new JsonObject(route)).toHeader());
      } catch (RuntimeException ignored) {
        // a route header that is not ours is not echoed
      }
    }
  }

  private void chat(RoutingContext ctx, JsonObject body) {
    ChatRequest request = ChatRequest.fromJson(body); // fail fast, before the bus
    vertx.eventBus().<Object>request(Addresses.CHAT, body, busOptions(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      Message<Object> reply = ar.result();
      routeHeaders(ctx.response(), reply);
      if (BusStreams.isStream(reply)) {
        JsonObject streamOptions = request.extra().getJsonObject("stream_options");
        boolean includeUsage = streamOptions != null && streamOptions.getBoolean("include_usage", false);
        new ChatStreamWriter(ctx.response(), idleTimeoutMs, includeUsage).start(reply);
      } else {
        JsonObject completion = (JsonObject) reply.body();
        completion.remove(StreamProtocol.ROUTE);
        ctx.response().putHeader("content-type", "application/json").end(completion.toBuffer());
      }
    });
  }

  private void embeddings(RoutingContext ctx, JsonObject body) {
    EmbeddingRequest.fromJson(body);
    vertx.eventBus().<Object>request(Addresses.EMBED, body, busOptions(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      routeHeaders(ctx.response(), ar.result());
      JsonObject result = (JsonObject) ar.result().body();
      result.remove(StreamProtocol.ROUTE);
      ctx.response().putHeader("content-type", "application/json").end(result.toBuffer());
    });
  }

  /** The union of live backends' models and aliases, OpenAI's list shape; {@code owned_by} names the backends. */
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

  /** Ready when the router answers and at least one backend is live. */
  private void ready(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject(), new DeliveryOptions().setLocalOnly(true).setSendTimeout(2000))
      .onComplete(ar -> {
        int live = ar.succeeded() ? ar.result().body().getJsonArray("backends", new JsonArray()).size() : 0;
        boolean ready = ar.succeeded() && live > 0 && mounts.stream().allMatch(WebMount::ready);
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
