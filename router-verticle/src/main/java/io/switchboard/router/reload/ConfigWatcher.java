package io.switchboard.router.reload;

import io.switchboard.api.Addresses;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.config.PriceTable;
import io.switchboard.router.RouterSettings;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Hot reload of one node: reads the conf files every scan period and applies a changed conf without a restart. The
 * scan is this class's own timer over a retriever that does not scan itself: vertx-config's scan logs a stack trace
 * for every scan of a broken file, where a broken file (unreadable YAML, a bad value) must be one log line, once per
 * change, while the running configuration stays. Only what changed is applied: router settings go to the node's
 * router ({@link Addresses#ROUTER_RELOAD}); backends enabled, added, disabled, removed or changed are deployed,
 * undeployed or redeployed in this node, and a backend that did not start and whose entry is unchanged is left alone.
 * Settings read only at start ({@link RestartOnly}) are reported as needing a restart, never as reloaded. Requests in
 * flight finish on the plan they started with; a backend being undeployed drains what it has in flight.
 */
public final class ConfigWatcher {

  private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

  private final Vertx vertx;
  private final ConfigRetriever retriever;
  private final BackendDeployer deployer;
  private final Map<String, String> env;
  private final Set<String> only;
  private final boolean runsRouter;
  private final boolean runsBackends;
  private final Map<String, String> deployments = new HashMap<>();
  private JsonObject applied;
  private Future<Void> chain = Future.succeededFuture();
  private String lastRejection;
  private int rejections;
  private int reloads;
  private Consumer<BackendDeployer.Outcome> onStarted = o -> { };
  private long timer = -1;

  /**
   * @param only         ids of the backends this node runs (empty: every backend in conf)
   * @param runsRouter   this node runs a router to hand router settings to
   * @param runsBackends this node runs backends
   */
  public ConfigWatcher(Vertx vertx, ConfigRetriever retriever, BackendDeployer deployer, Map<String, String> env, Set<String> only,
                       boolean runsRouter, boolean runsBackends) {
    this.vertx = vertx;
    this.retriever = retriever;
    this.deployer = deployer;
    this.env = env;
    this.only = Set.copyOf(only);
    this.runsRouter = runsRouter;
    this.runsBackends = runsBackends;
  }

  /**
   * Starts watching: the files are read every {@code scanPeriodMs} (the retriever given must not scan itself).
   * {@code current} is the conf the node started with; {@code running} maps the id of each backend this node started
   * to its deployment id.
   */
  public void start(JsonObject current, Map<String, String> running, long scanPeriodMs) {
    applied = current.copy();
    deployments.putAll(running);
    timer = vertx.setPeriodic(scanPeriodMs, t -> {
      if (chain.isComplete()) { // a slow scan or reload is not overtaken by the next one
        chain = retriever.getConfig().transform(read -> read.succeeded() ? apply(read.result())
          : reject("the conf files cannot be read: " + message(read.cause())));
      }
    });
  }

  /** Told of every backend a reload starts (the node keeps its list of deployments to drain on stop). */
  public ConfigWatcher onStarted(Consumer<BackendDeployer.Outcome> listener) {
    this.onStarted = listener;
    return this;
  }

  /** Reloads applied so far. */
  public int reloads() {
    return reloads;
  }

  /** Conf changes refused so far (broken files, bad values). */
  public int rejections() {
    return rejections;
  }

  public Future<Void> close() {
    vertx.cancelTimer(timer);
    return retriever.close();
  }

  /**
   * Validates then applies {@code next}; never fails (a refusal is logged and counted). Its backends are priced from
   * the node's price table as they were at start, so that unchanged entries compare equal.
   */
  Future<Void> apply(JsonObject changed) {
    JsonObject next = PriceTable.priced(vertx, changed);
    if (next.equals(applied)) {
      return Future.succeededFuture();
    }
    String problem = validate(next);
    if (problem != null) {
      return reject(problem);
    }
    JsonObject previous = applied;
    applied = next.copy();
    lastRejection = null;
    List<String> restartOnly = RestartOnly.changed(previous, next);
    if (!restartOnly.isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "configuration change to {0} takes effect only at the next restart: the running "
        + "value{1} stay{2}", String.join(", ", restartOnly), restartOnly.size() == 1 ? "" : "s", restartOnly.size() == 1 ? "s" : "");
    }
    List<String> done = new ArrayList<>();
    boolean routerChanged = runsRouter && !RouterSettings.sliceOf(previous).equals(RouterSettings.sliceOf(next));
    Future<Void> router = routerChanged
      ? vertx.eventBus().request(Addresses.ROUTER_RELOAD, RouterSettings.sliceOf(next), new DeliveryOptions().setLocalOnly(true))
        .<Void>mapEmpty().onSuccess(v -> done.add("router settings"))
      : Future.succeededFuture();
    return router
      .recover(err -> {
        LOG.log(System.Logger.Level.ERROR, "configuration reload: the router refused its settings ({0}); backends are still reloaded", message(err));
        return Future.succeededFuture();
      })
      .compose(v -> runsBackends ? reloadBackends(previous, next, done) : Future.succeededFuture())
      .onComplete(ar -> {
        if (!done.isEmpty()) {
          reloads++;
          LOG.log(System.Logger.Level.INFO, "configuration reloaded: {0}", String.join("; ", done));
        }
      });
  }

  /** Null when {@code next} may be applied, else what is wrong with it. */
  static String validate(JsonObject next) {
    try {
      RouterSettings.parse(RouterSettings.sliceOf(next));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    Object b = next.getValue("backends");
    if (b != null && !(b instanceof JsonArray)) {
      return "'backends' must be a list";
    }
    Set<String> ids = new HashSet<>();
    JsonArray backends = b == null ? new JsonArray() : (JsonArray) b;
    for (int i = 0; i < backends.size(); i++) {
      if (!(backends.getValue(i) instanceof JsonObject e) || !(e.getValue("id") instanceof String id) || id.isBlank()) {
        return "backends[" + i + "] must be an object with an 'id'";
      }
      if (!(e.getValue("type") instanceof String)) {
        return "backends[" + i + "] (" + id + ") has no 'type'";
      }
      if (e.containsKey("enabled") && !(e.getValue("enabled") instanceof Boolean)) {
        return "backends[" + i + "] (" + id + ").enabled must be true or false";
      }
      if (!ids.add(id)) {
        return "backend id '" + id + "' appears twice";
      }
    }
    Object defaults = next.getValue("backend_defaults");
    if (defaults != null && !(defaults instanceof JsonObject)) {
      return "'backend_defaults' must be a map";
    }
    return null;
  }

  private Future<Void> reject(String problem) {
    rejections++;
    if (!problem.equals(lastRejection)) {
      lastRejection = problem;
      LOG.log(System.Logger.Level.ERROR, "configuration change rejected, keeping the running configuration: {0}", problem);
    }
    return Future.succeededFuture();
  }

  private Future<Void> reloadBackends(JsonObject previous, JsonObject next, List<String> done) {
    Map<String, JsonObject> before = entries(previous);
    Map<String, JsonObject> after = entries(next);
    JsonObject defaults = next.getJsonObject("backend_defaults", new JsonObject());
    boolean defaultsChanged = !defaults.equals(previous.getJsonObject("backend_defaults", new JsonObject()));
    Set<String> ids = new LinkedHashSet<>(before.keySet());
    ids.addAll(after.keySet());
    Future<Void> steps = Future.succeededFuture();
    for (String id : ids) {
      JsonObject was = before.get(id);
      JsonObject now = after.get(id);
      boolean running = deployments.containsKey(id);
      boolean wanted = now != null && now.getBoolean("enabled", true);
      // An unchanged entry is left alone: running, it keeps running (unless the defaults every backend reads changed);
      // not running (no key, no model), starting it again would fail again for the same reason.
      if (Objects.equals(was, now) && !(running && defaultsChanged)) {
        continue;
      }
      if (!running && !wanted) {
        continue;
      }
      String why = now == null ? "removed from conf" : wanted ? "conf changed" : "disabled in conf";
      done.add("backend " + id + " " + (running ? (wanted ? "restarted" : "stopped") : "started") + " (" + why + ")");
      steps = steps.compose(v -> (running ? stop(id, why) : Future.<Void>succeededFuture())
        .compose(x -> wanted ? start(id, now, defaults, running) : Future.succeededFuture()));
    }
    return steps;
  }

  private Future<Void> stop(String id, String why) {
    String deploymentId = deployments.remove(id);
    LOG.log(System.Logger.Level.INFO, "configuration reload: stopping backend {0} ({1})", id, why);
    return vertx.undeploy(deploymentId).recover(err -> {
      LOG.log(System.Logger.Level.WARNING, "configuration reload: backend {0} did not stop cleanly: {1}", id, message(err));
      return Future.succeededFuture();
    });
  }

  private Future<Void> start(String id, JsonObject entry, JsonObject defaults, boolean restart) {
    return deployer.deploy(new BackendConfig(entry, env), defaults).map(outcome -> {
      if (outcome.started()) {
        deployments.put(id, outcome.deploymentId());
        onStarted.accept(outcome);
        LOG.log(System.Logger.Level.INFO, "configuration reload: backend {0} {1}", id, restart ? "restarted" : "started");
      } else {
        LOG.log(System.Logger.Level.WARNING, "configuration reload: backend {0} not started: {1}", id, outcome.reason());
      }
      return null;
    });
  }

  private Map<String, JsonObject> entries(JsonObject conf) {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (Object o : conf.getJsonArray("backends", new JsonArray())) {
      if (o instanceof JsonObject e && e.getValue("id") instanceof String id && (only.isEmpty() || only.contains(id))) {
        out.put(id, e);
      }
    }
    return out;
  }

  private static String message(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return m.replace('\n', ' ');
  }
}
