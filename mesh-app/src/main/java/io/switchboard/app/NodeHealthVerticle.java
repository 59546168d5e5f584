package io.switchboard.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.core.backend.BackendDeployer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The probe endpoint of a backend-only node, which has no HTTP API: {@code GET /health/live} (200 while the event
 * loop answers) and {@code GET /health/ready} (200 once at least one backend started, 503 before that and from the
 * moment the node starts stopping), each with the backends' outcomes, and {@code GET /metrics} (Prometheus, when
 * metrics are on: the node's event bus, JVM and draining state). Nothing else is served.
 * Config: {@code port}, {@code host} (0.0.0.0); the node sets them from {@code SWITCHBOARD_HEALTH_PORT} and
 * {@code SWITCHBOARD_HEALTH_HOST}.
 */
final class NodeHealthVerticle extends VerticleBase {

  private final List<BackendDeployer.Outcome> backends;
  private final BooleanSupplier draining;
  private HttpServer server;

  NodeHealthVerticle(List<BackendDeployer.Outcome> backends, BooleanSupplier draining) {
    this.backends = List.copyOf(backends);
    this.draining = draining;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = new HttpServerOptions().setPort(config().getInteger("port"))
      .setHost(config().getString("host", "0.0.0.0"));
    return vertx.createHttpServer(options).requestHandler(req -> {
      JsonObject body = status();
      switch (req.path()) {
        case "/health/live" -> req.response().putHeader("content-type", "application/json")
          .end(body.put("status", "up").encode());
        case "/health/ready" -> {
          boolean ready = !draining.getAsBoolean() && backends.stream().anyMatch(BackendDeployer.Outcome::started);
          req.response().setStatusCode(ready ? 200 : 503).putHeader("content-type", "application/json")
            .end(body.put("status", ready ? "ready" : draining.getAsBoolean() ? "draining" : "no backend started").encode());
        }
        case "/metrics" -> metrics(req);
        default -> req.response().setStatusCode(404).end();
      }
    }).listen().onSuccess(s -> server = s);
  }

  private static void metrics(HttpServerRequest req) {
    if (!(BackendRegistries.getDefaultNow() instanceof PrometheusMeterRegistry registry)) {
      req.response().setStatusCode(404).putHeader("content-type", "text/plain").end("metrics are disabled in this process\n");
      return;
    }
    req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
  }

  int actualPort() {
    return server.actualPort();
  }

  private JsonObject status() {
    JsonArray list = new JsonArray();
    backends.forEach(o -> list.add(o.toJson()));
    return new JsonObject().put("draining", draining.getAsBoolean()).put("backends", list);
  }
}
