package io.switchboard.app;

import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.config.MeshConfig;
import io.switchboard.router.reload.ConfigWatcher;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Starts hot reload for a node started from conf files: the same layered files are scanned every
 * {@code reload.scan_period_ms} (5000; 0 turns it off) and a changed, valid conf is applied by a {@link ConfigWatcher}
 * (router settings to the node's router; backends of this node deployed, undeployed or redeployed).
 */
final class HotReload {

  private static final System.Logger LOG = System.getLogger(HotReload.class.getName());

  private HotReload() {
  }

  static Future<MeshNode.Started> start(Vertx vertx, NodeOptions options, MeshNode.Started started) {
    Object scan = started.config().getJsonObject("reload", new JsonObject()).getValue("scan_period_ms", 5000);
    long periodMs = scan instanceof Number n ? n.longValue() : 5000;
    if (periodMs <= 0) {
      LOG.log(System.Logger.Level.INFO, "hot reload off (reload.scan_period_ms = {0})", periodMs);
      return Future.succeededFuture(started);
    }
    ConfigRetriever retriever = MeshConfig.retriever(vertx, options.confDir().resolve("switchboard.yaml"), options.operatorConf(),
      options.env(), -1); // the watcher scans: one log line for a broken file, not vertx-config's stack trace per scan
    Map<String, String> running = new HashMap<>();
    started.backends().stream().filter(BackendDeployer.Outcome::started).forEach(o -> running.put(o.id(), o.deploymentId()));
    ConfigWatcher watcher = new ConfigWatcher(vertx, retriever, new BackendDeployer(vertx, options.env()), options.env(), options.backends(),
      options.runsRouter(), options.runsBackends())
      .onStarted(outcome -> started.lifecycle().backends(java.util.List.of(outcome)));
    watcher.start(started.config(), running, periodMs);
    started.lifecycle().onStopping(watcher::close);
    LOG.log(System.Logger.Level.INFO, "hot reload: conf files scanned every {0} ms", periodMs);
    return Future.succeededFuture(started);
  }
}
