package io.switchboard.router.reload;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendDeployer;
import io.switchboard.core.backend.BackendUnavailableException;
import io.switchboard.core.backend.TypedProvider;
import io.switchboard.core.config.MeshConfig;
import io.switchboard.core.testkit.Await;
import io.switchboard.router.Eventually;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.RouterSettings;
import io.switchboard.router.RouterVerticle;
import io.switchboard.router.ScriptedChatBackend;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot reload from the conf file: disabling a backend takes it out while the node runs; a broken file (bad YAML or a
 * bad value) changes nothing; fixing it applies backends and router settings together.
 */
@ExtendWith(VertxExtension.class)
class ConfigWatcherTest {

  static final long SCAN_MS = 250;

  /** Builds scripted chat backends from conf entries, as an adapter module's provider would. */
  static final class ScriptedProvider extends TypedProvider {
    ScriptedProvider() {
      super("scripted");
    }

    @Override
    public Backend create(Vertx vertx, BackendConfig config) {
      return scripted(vertx, config);
    }
  }

  static Backend scripted(Vertx vertx, BackendConfig config) {
    return new ScriptedChatBackend(vertx, config.id(), config.priority(), config.privacy(Privacy.CLOUD), config.models());
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

  static Future<List<String>> live(Vertx vertx) {
    return MeshFixture.view(vertx).map(view -> view.getJsonArray("backends").stream().map(o -> ((JsonObject) o).getString("id")).sorted().toList());
  }

  static String servedBy(Vertx vertx) throws Exception {
    JsonObject body = new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return vertx.eventBus().<JsonObject>request(Addresses.CHAT, body).await(10, TimeUnit.SECONDS).body()
      .getJsonObject(StreamProtocol.ROUTE).getString("backend");
  }

  static void await(Vertx vertx, String what, Supplier<Future<Boolean>> condition) throws Exception {
    Eventually.until(vertx, what, 15_000, condition, held -> held).await(20, TimeUnit.SECONDS);
  }

  static Supplier<Future<Boolean>> liveIs(Vertx vertx, List<String> expected) {
    return () -> live(vertx).map(expected::equals);
  }

  @Test
  void disablingABackendInTheFileTakesItOutAndABrokenFileChangesNothing(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("switchboard.yaml");
    write(file, conf(true, "fallback"));
    ConfigRetriever retriever = MeshConfig.retriever(vertx, file, null, Map.of(), -1);
    JsonObject conf = retriever.getConfig().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(RouterSettings.sliceOf(conf))).await(10, TimeUnit.SECONDS);
    BackendDeployer deployer = new BackendDeployer(vertx, Map.of()).register(new ScriptedProvider());
    Map<String, String> running = new HashMap<>();
    deployer.deployAll(conf.getJsonArray("backends"), Set.of(), conf.getJsonObject("backend_defaults")).await(10, TimeUnit.SECONDS)
      .forEach(o -> running.put(o.id(), o.deploymentId()));
    ConfigWatcher watcher = new ConfigWatcher(vertx, retriever, deployer, Map.of(), Set.of(), true, true);
    watcher.start(conf, running, SCAN_MS);
    await(vertx, "both backends live", liveIs(vertx, List.of("one", "two")));
    assertEquals("one", servedBy(vertx));

    write(file, conf(false, "fallback"));
    await(vertx, "'one' out after it was disabled in the file", liveIs(vertx, List.of("two")));
    assertEquals("two", servedBy(vertx));
    assertEquals(1, watcher.reloads());

    int rejected = watcher.rejections();
    write(file, "router: {strategy: cost\nbackends: [ {id: one, type: scripted");
    await(vertx, "the unreadable file rejected", () -> Future.succeededFuture(watcher.rejections() > rejected));
    int rejectedAgain = watcher.rejections();
    write(file, conf(true, "cheapest"));
    await(vertx, "the bad strategy rejected", () -> Future.succeededFuture(watcher.rejections() > rejectedAgain));
    // What is checked is that nothing happens: three more scans of the rejected file pass first (each one counted).
    int scanned = watcher.rejections();
    await(vertx, "three more scans of the rejected file", () -> Future.succeededFuture(watcher.rejections() >= scanned + 3));
    assertEquals(List.of("two"), live(vertx).await(5, TimeUnit.SECONDS), "a rejected conf starts nothing");
    assertEquals("two", servedBy(vertx));
    assertEquals(1, watcher.reloads());
    assertEquals("fallback", strategy(vertx).await(5, TimeUnit.SECONDS), "a rejected conf leaves the router's settings as they were");

    write(file, conf(true, "cost"));
    await(vertx, "'one' back once the file is fixed", liveIs(vertx, List.of("one", "two")));
    await(vertx, "the router's new strategy", () -> strategy(vertx).map("cost"::equals));
    assertEquals(2, watcher.reloads());
    watcher.close();
  }

  static Future<String> strategy(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_ADMIN, new JsonObject().put("op", "strategy"))
      .map(reply -> reply.body().getString("strategy"));
  }

  /** Like Jlama's provider, writes into its conf entry (the queue bound routed to the verticle's settings). */
  static final class MutatingProvider extends TypedProvider {
    MutatingProvider() {
      super("mutating");
    }

    @Override
    public Backend create(Vertx vertx, BackendConfig config) {
      config.json().put("verticle", new JsonObject().put("max_queue", 3));
      return scripted(vertx, config);
    }
  }

  /** A backend whose key is not set: never starts; counts how often it was asked to. */
  static final class KeylessProvider extends TypedProvider {
    final AtomicInteger attempts = new AtomicInteger();

    KeylessProvider() {
      super("keyless");
    }

    @Override
    public Backend create(Vertx vertx, BackendConfig config) {
      attempts.incrementAndGet();
      throw new BackendUnavailableException("KEYLESS_API_KEY not set");
    }
  }

  static final String STEADY = """
    router:
      heartbeat_timeout_ms: 1000
    backend_defaults:
      heartbeat_ms: 200
    auth:
      require_keys: false
    backends:
      - id: local
        type: mutating
        priority: 10
        max_queue: 3
        models: [m1]
      - id: cloud
        type: keyless
        priority: 20
        models: [m1]
    """;

  /** Captures this JVM's log records while installed. */
  static final class Logs extends Handler implements AutoCloseable {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    Logs() {
      setLevel(Level.ALL);
      Logger.getLogger("").addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    List<LogRecord> about(String text) {
      return records.stream().filter(r -> String.valueOf(r.getMessage()).contains(text)
        || r.getParameters() != null && java.util.Arrays.toString(r.getParameters()).contains(text)).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
      Logger.getLogger("").removeHandler(this);
    }
  }

  /**
   * A node on {@link #STEADY}, its log caught from before it starts, for the tests of what scans must not do; closing
   * it stops the watcher, then the catching.
   */
  record Steady(Path file, Logs logs, Node node) implements AutoCloseable {

    static Steady start(Vertx vertx, Path dir) throws Exception {
      Path file = dir.resolve("switchboard.yaml");
      write(file, STEADY);
      Logs logs = new Logs();
      try {
        return new Steady(file, logs, startNode(vertx, file));
      } catch (Exception e) {
        logs.close();
        throw e;
      }
    }

    @Override
    public void close() {
      node.watcher().close();
      logs.close();
    }
  }

  /** The node as HotReload starts it: the conf loaded once, backends deployed from it, then the watcher on the files. */
  record Node(ConfigWatcher watcher, Map<String, String> running, KeylessProvider keyless) {
  }

  static Node startNode(Vertx vertx, Path file) throws Exception {
    JsonObject conf = MeshConfig.load(vertx, file, null, Map.of()).await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new RouterVerticle(), new DeploymentOptions().setConfig(RouterSettings.sliceOf(conf))).await(10, TimeUnit.SECONDS);
    KeylessProvider keyless = new KeylessProvider();
    BackendDeployer deployer = new BackendDeployer(vertx, Map.of()).register(new MutatingProvider()).register(keyless)
      .register(new ScriptedProvider());
    Map<String, String> running = new HashMap<>();
    deployer.deployAll(conf.getJsonArray("backends"), Set.of(), conf.getJsonObject("backend_defaults")).await(10, TimeUnit.SECONDS)
      .stream().filter(BackendDeployer.Outcome::started).forEach(o -> running.put(o.id(), o.deploymentId()));
    ConfigWatcher watcher = new ConfigWatcher(vertx, MeshConfig.retriever(vertx, file, null, Map.of(), -1), deployer, Map.of(),
      Set.of(), true, true);
    watcher.start(conf, Map.copyOf(running), SCAN_MS);
    return new Node(watcher, running, keyless);
  }

  /**
   * A node started with no edit reloads nothing: no "reloaded" line, no retry of a backend without its key, and a
   * running backend whose provider wrote into its conf entry (as Jlama's does) is not restarted.
   */
  @Test
  void scansOfAnUnchangedFileReloadNothing(Vertx vertx, @TempDir Path dir) throws Exception {
    try (Steady steady = Steady.start(vertx, dir)) {
      await(vertx, "'local' live", liveIs(vertx, List.of("local")));
      int attempts = steady.node().keyless().attempts.get();
      // What is checked is that nothing happens: eight scans of the unchanged file pass (they count nothing to wait on).
      Await.quiet(vertx, 8 * SCAN_MS);
      assertEquals(0, steady.node().watcher().reloads(), "no reload without a change");
      assertEquals(attempts, steady.node().keyless().attempts.get(), "a backend without its key is not tried again");
      assertEquals(List.of(), steady.logs().about("reloaded"));
      assertEquals(List.of(), steady.logs().about("stopping backend"));
      assertEquals(List.of("local"), live(vertx).await(5, TimeUnit.SECONDS));
    }
  }

  /** A broken file is one log line, without a stack trace, however many scans see it; a new problem is one more line. */
  @Test
  void aBrokenFileIsOneLineOncePerChange(Vertx vertx, @TempDir Path dir) throws Exception {
    try (Steady steady = Steady.start(vertx, dir)) {
      write(steady.file(), "router: {strategy: cost\nbackends: [ {id: one, type: scripted");
      await(vertx, "the unreadable file rejected", () -> Future.succeededFuture(steady.node().watcher().rejections() > 3));
      List<LogRecord> logged = records(steady.logs(), Level.WARNING);
      assertEquals(1, logged.size(), "one line for the broken file: " + logged.stream().map(LogRecord::getMessage).toList());
      assertEquals(null, logged.get(0).getThrown(), "no stack trace");
      write(steady.file(), STEADY.replace("heartbeat_timeout_ms: 1000", "heartbeat_timeout_ms: -5"));
      int seen = steady.node().watcher().rejections();
      await(vertx, "the bad value rejected", () -> Future.succeededFuture(steady.node().watcher().rejections() > seen + 3));
      assertEquals(2, records(steady.logs(), Level.WARNING).size(), "a new problem is one more line");
    }
  }

  /** A setting read only at start says so when it changes, and is never reported as reloaded. */
  @Test
  void aSettingThatNeedsARestartSaysSo(Vertx vertx, @TempDir Path dir) throws Exception {
    try (Steady steady = Steady.start(vertx, dir)) {
      write(steady.file(), STEADY.replace("require_keys: false", "require_keys: true"));
      await(vertx, "the change noticed", () -> Future.succeededFuture(!steady.logs().about("auth.require_keys").isEmpty()));
      LogRecord said = steady.logs().about("auth.require_keys").get(0);
      assertEquals(Level.WARNING, said.getLevel());
      assertTrue(format(said).contains("restart"), format(said));
      assertEquals(List.of(), steady.logs().about("reloaded"), "nothing was reloaded");
      assertEquals(0, steady.node().watcher().reloads());
    }
  }

  static String format(LogRecord r) {
    return new java.util.logging.SimpleFormatter().formatMessage(r);
  }

  /** Records at {@code level} or above from the conf watching (ours and vertx-config's). */
  static List<LogRecord> records(Logs logs, Level level) {
    return logs.records.stream().filter(r -> r.getLevel().intValue() >= level.intValue())
      .filter(r -> String.valueOf(r.getLoggerName()).contains("reload") || String.valueOf(r.getLoggerName()).contains("config")).toList();
  }
}
