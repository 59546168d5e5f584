package io.switchboard.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.router.RouterVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Stops one node in the order that cuts nothing in flight (SIGTERM, a scale-down, a rolling update):
 * <ol>
 *   <li>readiness goes false (the backend health endpoint answers 503), and the router takes no more requests from
 *       other nodes (the cluster sends them to the other routers);</li>
 *   <li>the web mounts drain: voice calls are refused (503 before the upgrade) and the calls open go on until they end
 *       or {@code voice.drain_timeout_ms} (600000) passes, their stages still served by the router;</li>
 *   <li>the HTTP server stops accepting connections and lets the requests and streams it has finish, up to
 *       {@code http.drain_timeout_ms} (30000);</li>
 *   <li>the router takes no new requests at all and finishes those still in flight (bus callers' included), within
 *       what is left of that same {@code http.drain_timeout_ms};</li>
 *   <li>the backends stop: each announces it is leaving (the routers stop choosing it), unregisters, and finishes
 *       its in-flight work up to {@code backend_defaults.drain_timeout_ms} (30000);</li>
 *   <li>the router and the rest are undeployed; Vert.x closes, which leaves the cluster last.</li>
 * </ol>
 * Vert.x's own close undeploys everything at once and closes HTTP servers without waiting, so this order is kept here.
 * With metrics on, {@code switchboard_node_draining} is 1 from the first step.
 */
public final class NodeLifecycle {

  /** Time beyond the two drains for undeploying, closing and leaving the cluster. */
  static final long CLOSE_MARGIN_MS = 10_000;

  private final Vertx vertx;
  private final long httpDrainMs;
  private final long backendDrainMs;
  private volatile long voiceDrainMs;
  private volatile boolean draining;
  /** The node's HTTP server (the API's or a voice node's): its mounts' drain, then its close with the time given. */
  private volatile java.util.function.Supplier<Future<Void>> drainMounts;
  private volatile java.util.function.LongFunction<Future<Void>> closeHttp;
  private volatile RouterVerticle router;
  private final List<Runnable> onStopping = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> backendDeployments = new ArrayList<>();
  private Future<Void> stopped;

  NodeLifecycle(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.httpDrainMs = config.getJsonObject("http", new JsonObject()).getLong("drain_timeout_ms", 30_000L);
    this.backendDrainMs = config.getJsonObject("backend_defaults", new JsonObject()).getLong("drain_timeout_ms", 30_000L);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      Gauge.builder("switchboard.node.draining", this, l -> l.draining ? 1 : 0)
        .description("1 once the node began stopping: it takes nothing new and finishes what it has").register(registry);
    }
  }

  /** The node serves calls, which get {@code drainMs} to end before its HTTP server stops. */
  void calls(long drainMs) {
    this.voiceDrainMs = drainMs;
  }

  void web(java.util.function.Supplier<Future<Void>> drainMounts, java.util.function.LongFunction<Future<Void>> closeHttp) {
    this.drainMounts = drainMounts;
    this.closeHttp = closeHttp;
  }

  void router(RouterVerticle verticle) {
    this.router = verticle;
  }

  /**
   * {@code step} runs when stopping begins, before anything drains: what must not act on a stopping node (the hot
   * reload: a conf change read while the node drains would deploy into it, and a scan would read files while Vert.x
   * closes).
   */
  void onStopping(Runnable step) {
    onStopping.add(step);
  }

  synchronized void backends(List<BackendDeployer.Outcome> outcomes) {
    outcomes.stream().filter(BackendDeployer.Outcome::started).forEach(o -> backendDeployments.add(o.deploymentId()));
  }

  /** True once stopping began: the node takes nothing new. */
  public boolean draining() {
    return draining;
  }

  /** The longest a {@link #stop} can take: the drains and the close. */
  public long stopTimeoutMs() {
    return voiceDrainMs + httpDrainMs + backendDrainMs + CLOSE_MARGIN_MS;
  }

  /** Stops the node in order and closes Vert.x; calling it again returns the same future. */
  public synchronized Future<Void> stop(PrintStream out) {
    if (stopped != null) {
      return stopped;
    }
    draining = true;
    onStopping.forEach(Runnable::run);
    List<String> backends = List.copyOf(backendDeployments);
    // Not bound to a context: the last step closes every event loop, so a context's future would never complete.
    Promise<Void> done = Promise.promise();
    stopped = done.future();
    Future<Void> closedToCluster = closeRouterToCluster(out);
    // The HTTP drain starts once the calls have drained (at the latest after voice.drain_timeout_ms); the router's
    // drain gets what is left of it.
    drainCalls(out)
      .map(v -> System.currentTimeMillis() + httpDrainMs)
      .compose(httpDeadline -> closeHttp(out).compose(v -> closedToCluster).compose(v -> drainRouter(out, httpDeadline)))
      .compose(v -> {
        if (!backends.isEmpty()) {
          say(out, "stopping: " + backends.size() + " backend(s) leave the registry and drain (up to " + backendDrainMs + " ms)");
        }
        return Future.join(backends.stream().map(id -> vertx.undeploy(id).recover(e -> Future.succeededFuture())).toList());
      })
      .onComplete(ar -> {
        say(out, "stopping: closing and leaving the cluster");
        vertx.close().onComplete(done);
      });
    return stopped;
  }

  private Future<Void> drainCalls(PrintStream out) {
    var mounts = drainMounts;
    if (mounts == null) {
      return Future.succeededFuture();
    }
    if (voiceDrainMs > 0) {
      say(out, "stopping: no new calls; open calls get up to " + voiceDrainMs + " ms");
    }
    return mounts.get().recover(e -> Future.succeededFuture());
  }

  private Future<Void> closeHttp(PrintStream out) {
    var close = closeHttp;
    if (close == null) {
      return Future.succeededFuture();
    }
    say(out, "stopping: HTTP closes to new connections; open requests get up to " + httpDrainMs + " ms");
    return close.apply(httpDrainMs).recover(e -> Future.succeededFuture());
  }

  private Future<Void> closeRouterToCluster(PrintStream out) {
    RouterVerticle r = router;
    if (r == null || !vertx.isClustered()) {
      return Future.succeededFuture();
    }
    say(out, "stopping: the router takes no more requests from other nodes");
    return r.closeToCluster().recover(e -> Future.succeededFuture());
  }

  /** The router's drain shares the HTTP drain's deadline: everything in flight through this node gets that long. */
  private Future<Void> drainRouter(PrintStream out, long deadline) {
    RouterVerticle r = router;
    if (r == null) {
      return Future.succeededFuture();
    }
    long left = Math.max(0, deadline - System.currentTimeMillis());
    say(out, "stopping: the router takes no new requests; those in flight get up to " + left + " ms");
    return r.drain(left).<Void>map(n -> {
      if (n > 0) {
        say(out, "stopping: " + n + " request(s) still in flight at the router when its drain ran out");
      }
      return null;
    }).recover(e -> Future.succeededFuture());
  }

  private static void say(PrintStream out, String line) {
    // stdout, not the log: JUL's own shutdown hook may already have closed its handlers.
    if (out != null) {
      out.println(line);
      out.flush();
    }
  }
}
