package io.switchboard.app;

import io.switchboard.api.PriceBook;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.config.MeshConfig;
import io.switchboard.core.config.PriceTable;
import io.switchboard.router.RouterSettings;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.usage.UsageSettings;
import io.switchboard.router.web.WebVerticle;
import io.switchboard.usage.UsageConfig;
import io.switchboard.usage.UsageVerticle;
import io.switchboard.usage.cluster.LedgerConflictException;
import io.switchboard.voice.VoiceSettings;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Switchboard process: a Vert.x instance (clustered or not) with the verticles of its role deployed, each given
 * its slice of the configuration. {@link #start(NodeOptions)} completes once everything that can start has started;
 * backends that cannot start are reported, not fatal.
 */
public final class MeshNode {

  private static final System.Logger LOG = System.getLogger(MeshNode.class.getName());

  /** The environment variable that sets how many event loops the node's Vert.x runs. */
  public static final String EVENT_LOOPS_ENV = "SWITCHBOARD_EVENT_LOOPS";

  /**
   * What started.
   *
   * @param httpPort   the HTTP port: the API's (router roles) or the voice node's, else -1
   * @param healthPort the probe endpoint's port (backend role with {@code SWITCHBOARD_HEALTH_PORT}), else -1
   * @param lifecycle  stops the node in order (SIGTERM)
   * @param calls      the node takes voice calls on {@code httpPort}
   */
  public record Started(Vertx vertx, JsonObject config, int httpPort, List<BackendDeployer.Outcome> backends,
                        int healthPort, NodeLifecycle lifecycle, boolean calls) {
  }

  private MeshNode() {
  }

  public static Future<Started> start(NodeOptions options) {
    return start(options, config -> { });
  }

  /** The node's Vert.x, standalone or clustered (which adds its cluster manager): its options, transport and metrics. */
  static VertxBuilder vertxBuilder(VertxOptions vertxOptions, Transport transport, boolean metrics) {
    VertxBuilder builder = Vertx.builder().with(vertxOptions).withTransport(transport);
    if (metrics) {
      builder.withMetrics(new MicrometerMetricsFactory());
    }
    return builder;
  }

  /** Starts a node; {@code beforeDeploy} sees the loaded configuration first (on a worker: it may block, e.g. to install models). */
  public static Future<Started> start(NodeOptions options, java.util.function.Consumer<JsonObject> beforeDeploy) {
    VertxOptions vertxOptions;
    Transport transport;
    try {
      vertxOptions = new VertxOptions().setEventLoopPoolSize(eventLoops(options.env()));
      transport = NodeTransport.choose(options.env());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (options.metrics()) {
      vertxOptions.setMetricsOptions(metricsOptions());
    }
    Future<Vertx> vertx;
    if (options.cluster()) {
      vertx = ClusterSupport.clusteredVertx(vertxOptions, transport, options);
    } else {
      vertx = Future.succeededFuture(vertxBuilder(vertxOptions, transport, options.metrics()).build());
    }
    return vertx.compose(v -> MeshConfig.load(v, options.confDir().resolve("switchboard.yaml"), options.operatorConf(), options.env())
      .compose(config -> v.executeBlocking(() -> {
        beforeDeploy.accept(config);
        return config;
      }))
      .compose(config -> deploy(v, options, config))
      .compose(started -> HotReload.start(v, options, started))
      .onFailure(err -> v.close()));
  }

  /**
   * The node's event loop count: {@value #EVENT_LOOPS_ENV}, default 1. A node's verticles (web, router, each backend)
   * hand every request and every stream message to each other over the bus; on separate event loops each hand-off
   * is a thread wake-up, and on one loop it is a queued task. The event loops carry only I/O and light JSON (local
   * inference and other blocking work have their own threads), so one loop measured faster on every row of the
   * gateway and speech benchmarks, saturation included (docs/benchmarks.md). Raise it when the node's
   * {@code vert.x-eventloop-thread-0} keeps a core busy.
   */
  static int eventLoops(Map<String, String> env) {
    return (int) wholeNumber(env, EVENT_LOOPS_ENV, 1, 1, 1024, "a whole number from 1 to 1024");
  }

  /** The whole number in environment variable {@code name}, {@code fallback} when unset; {@code expected} says the range when it is out of it. */
  static long wholeNumber(Map<String, String> env, String name, long fallback, long min, long max, String expected) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be " + expected + ", got '" + v + "'");
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
      .compose(config -> deploy(vertx, options, config))
      .compose(started -> HotReload.start(vertx, options, started));
  }

  public static Future<Started> deploy(Vertx vertx, NodeOptions options, JsonObject config) {
    UsageSettings usage;
    try {
      usage = UsageSettings.of(config, options.env());
      if (options.runsRouter() && usage.enabled() && usage.localLedger()) {
        UsageConfig.from(config.getJsonObject("usage"), options.env());
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("invalid configuration: " + e.getMessage()));
    }
    return prices(vertx, options, usage, config)
      .compose(book -> usageLedger(vertx, options, usage, config).map(book))
      .compose(book -> deploy(vertx, options, config, usage, book));
  }

  /**
   * The price table ({@code prices.yaml} beside the conf, or {@code usage.prices_file}): backend entries without
   * {@code prices} get theirs from it, so the router's estimates and the ledger's costs read the same numbers.
   * Null (and conf prices only) when there is no table.
   */
  private static Future<PriceBook> prices(Vertx vertx, NodeOptions options, UsageSettings usage, JsonObject config) {
    Path file = usage.pricesFile() != null ? Path.of(usage.pricesFile()) : options.confDir().resolve("prices.yaml");
    return vertx.executeBlocking(() -> usage.pricesFile() != null || Files.exists(file) ? PriceTable.read(file) : null)
      .map(table -> {
        if (table == null) {
          return null;
        }
        JsonArray backends = config.getJsonArray("backends", new JsonArray());
        PriceBook book = PriceTable.book(table, backends);
        PriceTable.fill(backends, book);
        PriceTable.share(vertx, table);
        return book;
      });
  }

  /**
   * A routing node's usage verticle (the ledger: journal, store, keys), with the {@code usage} conf slice. In a cluster
   * one that cannot start (its journal folder held by another process) is not fatal: the router's records and key
   * checks go over the bus to a ledger elsewhere. A single node has no elsewhere: it does not start, and says what to
   * change (a second node on the same host and data directory is the usual cause). A ledger that would be a second
   * one in its cluster on another store (ClusterLedgers) is refused in both cases.
   */
  private static Future<Void> usageLedger(Vertx vertx, NodeOptions options, UsageSettings usage, JsonObject config) {
    if (!options.runsRouter() || !usage.enabled() || !usage.localLedger()) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(config.getJsonObject("usage")))
      .<Void>mapEmpty()
      .recover(err -> {
        if (err instanceof LedgerConflictException) {
          // A second ledger would split keys and usage: refused, whatever the role; the message says what to change.
          return Future.failedFuture(new IllegalStateException("the usage ledger cannot start: " + err.getMessage()));
        }
        if (!options.cluster()) {
          return Future.failedFuture(new IllegalStateException("the usage ledger cannot start: " + err.getMessage()
            + ". Another Switchboard on this host may use the same usage.data_dir: give this node its own "
            + "(SWITCHBOARD_USAGE_DIR=/some/dir, or usage.data_dir in an operator conf), or run it without a ledger "
            + "(usage.enabled: false)"));
        }
        LOG.log(System.Logger.Level.ERROR, "usage ledger NOT started in this node ({0}); usage records and API key "
          + "checks go to a ledger elsewhere in the cluster, and fail when there is none", err.getMessage());
        return Future.succeededFuture();
      });
  }

  private static Future<Started> deploy(Vertx vertx, NodeOptions options, JsonObject config, UsageSettings usage,
                                        PriceBook prices) {
    List<Future<?>> steps = new ArrayList<>();
    Future<String> router = Future.succeededFuture();
    RouterVerticle[] routerOfNode = {null};
    WebVerticle web = new WebVerticle(() -> routerOfNode[0] == null ? null : routerOfNode[0].artifactsOrNull());
    NodeLifecycle lifecycle = new NodeLifecycle(vertx, config);
    JsonObject mounts = mounts(options, config, usage);
    if (mounts.getJsonObject("voice") != null) {
      try {
        lifecycle.calls(VoiceSettings.fromJson(mounts.getJsonObject("voice")).drainTimeoutMs());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new IllegalArgumentException("invalid configuration: " + e.getMessage()));
      }
    }
    if (options.runsRouter()) {
      RouterVerticle routerVerticle = new RouterVerticle(usage, prices);
      routerOfNode[0] = routerVerticle; // its artifacts serve the web verticle's /v1/artifacts
      lifecycle.router(routerVerticle);
      router = vertx.deployVerticle(routerVerticle, new DeploymentOptions().setConfig(RouterSettings.sliceOf(config)));
    }
    Future<List<BackendDeployer.Outcome>> backends = router.compose(r -> options.runsBackends()
      ? new BackendDeployer(vertx, options.env()).deployAll(config.getJsonArray("backends", new JsonArray()), options.backends(),
          config.getJsonObject("backend_defaults", new JsonObject()))
      : Future.succeededFuture(List.of())).onSuccess(lifecycle::backends);
    JsonObject httpSlice = config.getJsonObject("http", new JsonObject()).copy().put("mounts", mounts);
    NodeWebVerticle nodeWeb = new NodeWebVerticle(lifecycle::draining);
    Future<Integer> http = backends.compose(b -> {
      if (options.runsRouter()) {
        return vertx.deployVerticle(web, new DeploymentOptions().setConfig(httpSlice.put("usage", usage.toJson())))
          .map(id -> {
            lifecycle.web(web::drainMounts, web::closeHttp);
            return web.actualPort();
          });
      }
      if (!mounts.isEmpty()) {
        return vertx.deployVerticle(nodeWeb, new DeploymentOptions().setConfig(httpSlice)).map(id -> {
          lifecycle.web(nodeWeb::drainMounts, nodeWeb::closeHttp);
          return nodeWeb.actualPort();
        });
      }
      return Future.succeededFuture(-1);
    });
    Future<Integer> health = http.compose(h -> healthEndpoint(vertx, options, backends.result(), lifecycle));
    steps.add(health);
    return Future.all(steps).map(v -> new Started(vertx, config, http.result(), backends.result(), health.result(), lifecycle,
      mounts.containsKey("voice")));
  }

  /**
   * The conf sections of the web mounts this node serves, by key (see {@link io.switchboard.core.web.WebMount}): the
   * {@code voice} section for the roles that take calls (absent from conf: no calls, except on a {@code voice} node,
   * which then runs on the defaults), with what the mount cannot read from its own section: whether keys are required,
   * the values of the environment variables it names (secrets stay out of conf files), and whether the node is
   * useless without it.
   */
  static JsonObject mounts(NodeOptions options, JsonObject config, UsageSettings usage) {
    JsonObject mounts = new JsonObject();
    JsonObject voice = config.getJsonObject("voice");
    boolean voiceNode = options.role().equals("voice");
    if (options.runsVoice() && (voice != null || voiceNode)) {
      JsonObject slice = voice == null ? new JsonObject() : voice.copy();
      JsonObject env = new JsonObject();
      JsonObject twilio = slice.getJsonObject("twilio", new JsonObject());
      for (String name : new String[]{twilio.getString("auth_token_env", "TWILIO_AUTH_TOKEN"), twilio.getString("api_key_env"),
        slice.getJsonObject("tokens", new JsonObject()).getString("secret_env", "SWITCHBOARD_VOICE_TOKEN_SECRET")}) {
        if (name != null && options.env().get(name) != null) {
          env.put(name, options.env().get(name));
        }
      }
      String nodeName = config.getJsonObject("http", new JsonObject()).getString("node_name"); // calls shown under it (admin page)
      if (nodeName != null) {
        slice.put("node_name", nodeName);
      }
      mounts.put("voice", slice.put("require_keys", usage.requireKeys()).put("env", env).put("required", voiceNode));
    }
    return mounts;
  }

  /** A backend-only node has no HTTP API; with SWITCHBOARD_HEALTH_PORT it serves its probes there (-1: none). */
  private static Future<Integer> healthEndpoint(Vertx vertx, NodeOptions options, List<BackendDeployer.Outcome> backends,
                                                NodeLifecycle lifecycle) {
    int port;
    try {
      port = ClusterSupport.intEnv(options.env(), "SWITCHBOARD_HEALTH_PORT", -1);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (!options.role().equals("backend") || port < 0) {
      return Future.succeededFuture(-1);
    }
    NodeHealthVerticle verticle = new NodeHealthVerticle(backends, lifecycle::draining);
    JsonObject conf = new JsonObject().put("port", port).put("host", options.env().getOrDefault("SWITCHBOARD_HEALTH_HOST", "0.0.0.0"));
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(conf)).map(id -> verticle.actualPort());
  }
}
