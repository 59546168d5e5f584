package io.switchboard.router.reload;

import io.switchboard.core.testkit.Await;
import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.config.MeshConfig;
import io.switchboard.router.RouterAddresses;
import io.switchboard.router.RouterSettings;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.ScriptedChatBackend;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hot reload from the conf file: disabling a backend takes it out while the node runs; a broken file (bad YAML or a
 * bad value) changes nothing; fixing it applies backends and router settings together.
 */
@ExtendWith(VertxExtension.class)
class ConfigWatcherTest {

  static final long SCAN_MS = 250;

  /** Builds scripted chat backends from conf entries, as an adapter module's provider would. */
  static final class ScriptedProvider implements BackendProvider {
    @Override
    public String type() {
      return "scripted";
    }

    @Override
    public Backend create(Vertx vertx, BackendConfig config) {
      return new ScriptedChatBackend(vertx, config.id(), config.priority(), config.privacy(Privacy.CLOUD), config.models());
    }
  }

  static String conf(boolean oneEnabled, String strategy) {
    return """
      router:
        heartbeat_timeout_ms: 1000
        strategy: %s
      backend_defaults:
        heartbeat_ms: 200
      backends:
        - id: one
          type: scripted
          enabled: %s
          priority: 10
          models: [m1]
        - id: two
          type: scripted
          priority: 20
          models: [m1]
      """.formatted(strategy, oneEnabled);
  }

  /** Replaces the file in one step, so that a scan never reads it half written. */
  static void write(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static List<String> live(Vertx vertx) throws Exception {
    JsonObject view = vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_VIEW, new JsonObject()).await(5, TimeUnit.SECONDS).body();
    return view.getJsonArray("backends").stream().map(o -> ((JsonObject) o).getString("id")).sorted().toList();
  }

  static String servedBy(Vertx vertx) throws Exception {
    JsonObject body = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return vertx.eventBus().<JsonObject>request(Addresses.CHAT, body).await(10, TimeUnit.SECONDS).body()
      .getJsonObject(StreamProtocol.ROUTE).getString("backend");
  }

  static boolean liveIs(Vertx vertx, List<String> expected) {
    try {
      return live(vertx).equals(expected);
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void disablingABackendInTheFileTakesItOutAndABrokenFileChangesNothing(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("switchboard.yaml");
    write(file, conf(true, "fallback"));
    ConfigRetriever retriever = MeshConfig.retriever(vertx, file, null, Map.of(), SCAN_MS);
    JsonObject conf = retriever.getConfig().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(RouterSettings.sliceOf(conf))).await(10, TimeUnit.SECONDS);
    BackendDeployer deployer = new BackendDeployer(vertx, Map.of()).register(new ScriptedProvider());
    Map<String, String> running = new HashMap<>();
    deployer.deployAll(conf.getJsonArray("backends"), Set.of(), conf.getJsonObject("backend_defaults")).await(10, TimeUnit.SECONDS)
      .forEach(o -> running.put(o.id(), o.deploymentId()));
    ConfigWatcher watcher = new ConfigWatcher(vertx, retriever, deployer, Map.of(), Set.of(), true, true);
    watcher.start(conf, running);
    Await.until("both backends live", () -> liveIs(vertx, List.of("one", "two")));
    assertEquals("one", servedBy(vertx));

    write(file, conf(false, "fallback"));
    Await.until("'one' out after it was disabled in the file", () -> liveIs(vertx, List.of("two")));
    assertEquals("two", servedBy(vertx));
    assertEquals(1, watcher.reloads());

    int rejected = watcher.rejections();
    write(file, "router: {strategy: cost\nbackends: [ {id: one, type: scripted");
    Await.until("the unreadable file rejected", () -> watcher.rejections() > rejected);
    int rejectedAgain = watcher.rejections();
    write(file, conf(true, "cheapest"));
    Await.until("the bad strategy rejected", () -> watcher.rejections() > rejectedAgain);
    Thread.sleep(3 * SCAN_MS);
    assertEquals(List.of("two"), live(vertx), "a rejected conf starts nothing");
    assertEquals("two", servedBy(vertx));
    assertEquals(1, watcher.reloads());
    assertEquals("fallback", strategy(vertx), "a rejected conf leaves the router's settings as they were");

    write(file, conf(true, "cost"));
    Await.until("'one' back once the file is fixed", () -> liveIs(vertx, List.of("one", "two")));
    Await.until("the router's new strategy", () -> "cost".equals(strategyOrNull(vertx)));
    assertEquals(2, watcher.reloads());
    watcher.close();
  }

  static String strategy(Vertx vertx) throws Exception {
    return vertx.eventBus().<JsonObject>request(RouterAddresses.ADMIN, new JsonObject().put("op", "strategy"))
      .await(5, TimeUnit.SECONDS).body().getString("strategy");
  }

  static String strategyOrNull(Vertx vertx) {
    try {
      return strategy(vertx);
    } catch (Exception e) {
      return null;
    }
  }
}
