package io.switchboard.app;

import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.config.MeshConfig;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.web.WebVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * One Switchboard process: a Vert.x instance (clustered or not) with the verticles of its role deployed, each given
 * its slice of the configuration. {@link #start(NodeOptions)} completes once everything that can start has started;
 * backends that cannot start are reported, not fatal.
 */
public final class MeshNode {

  /** What started. */
  public record Started(Vertx vertx, JsonObject config, int httpPort, List<BackendDeployer.Outcome> backends) {
  }

  private MeshNode() {
  }

  public static Future<Started> start(NodeOptions options) {
    return start(options, config -> { });
  }

  /** Starts a node; {@code beforeDeploy} sees the loaded configuration first (on a worker: it may block, e.g. to install models). */
  public static Future<Started> start(NodeOptions options, java.util.function.Consumer<JsonObject> beforeDeploy) {
    VertxOptions vertxOptions = new VertxOptions();
    if (options.metrics()) {
      vertxOptions.setMetricsOptions(metricsOptions());
    }
    Future<Vertx> vertx;
    if (options.cluster()) {
      vertx = ClusterSupport.clusteredVertx(vertxOptions, options);
    } else {
      vertx = Future.succeededFuture(options.metrics()
        ? Vertx.builder().with(vertxOptions).withMetrics(new MicrometerMetricsFactory()).build()
        : Vertx.vertx(vertxOptions));
    }
    return vertx.compose(v -> MeshConfig.load(v, options.confDir().resolve("switchboard.yaml"), options.operatorConf(), options.env())
      .compose(config -> v.executeBlocking(() -> {
        beforeDeploy.accept(config);
        return config;
      }))
      .compose(config -> deploy(v, options, config))
      .onFailure(err -> v.close()));
  }

  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true);
  }

  /** Deploys the role's verticles on an existing Vert.x (tests use this with their own instance). */
  public static Future<Started> deploy(Vertx vertx, NodeOptions options) {
    return MeshConfig.load(vertx, options.confDir().resolve("switchboard.yaml"), options.operatorConf(), options.env())
      .compose(config -> deploy(vertx, options, config));
  }

  public static Future<Started> deploy(Vertx vertx, NodeOptions options, JsonObject config) {
    List<Future<?>> steps = new ArrayList<>();
    Future<String> router = Future.succeededFuture();
    WebVerticle web = new WebVerticle();
    if (options.runsRouter()) {
      router = vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(config.getJsonObject("router", new JsonObject())));
    }
    Future<List<BackendDeployer.Outcome>> backends = router.compose(r -> options.runsBackends()
      ? new BackendDeployer(vertx, options.env()).deployAll(config.getJsonArray("backends", new JsonArray()), options.backends(),
          config.getJsonObject("backend_defaults", new JsonObject()))
      : Future.succeededFuture(List.of()));
    Future<String> http = backends.compose(b -> options.runsRouter()
      ? vertx.deployVerticle(web, new DeploymentOptions().setConfig(config.getJsonObject("http", new JsonObject())))
      : Future.succeededFuture());
    steps.add(http);
    return Future.all(steps).map(v -> new Started(vertx, config, options.runsRouter() ? web.actualPort() : -1, backends.result()));
  }
}
