package io.switchboard.core.testkit;

import io.switchboard.core.backend.Backend;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.BackendProvider;
import io.switchboard.core.backend.BackendVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static io.switchboard.core.testkit.Await.await;

/**
 * One Vert.x for a test class and what its tests start on it, each stopped in time: what a test started
 * ({@link #forTest}) after that test, what the class shares ({@link #forClass}, reset before each test if asked) and
 * the Vert.x itself after the last test. Register it once: {@code @RegisterExtension static final TestVertx vx = new TestVertx();}.
 */
public final class TestVertx implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

  private final Vertx vertx = Vertx.vertx();
  private final List<Runnable> beforeEach = new ArrayList<>();
  private final List<Supplier<Future<?>>> afterEach = new ArrayList<>();
  private final List<Supplier<Future<?>>> afterAll = new ArrayList<>();

  public Vertx get() {
    return vertx;
  }

  /** {@code thing}, stopped by {@code stop} after the test that started it. */
  public <T> T forTest(T thing, java.util.function.Function<T, Future<?>> stop) {
    synchronized (afterEach) {
      afterEach.add(() -> stop.apply(thing));
    }
    return thing;
  }

  /**
   * A backend built by {@code provider} from its conf entry and variables, as the deployer builds it, stopped after
   * the test.
   */
  @SuppressWarnings("unchecked")
  public <B extends Backend> B backend(BackendProvider provider, JsonObject conf, Map<String, String> env) {
    return forTest((B) provider.create(vertx, new BackendConfig(conf, env)), Backend::stop);
  }

  /**
   * {@code backend} behind a {@link BackendVerticle} on this Vert.x, as a backend node runs it (no heartbeat during the
   * test), undeployed after the test.
   */
  public void deploy(Backend backend) {
    String id = await(vertx.deployVerticle(new BackendVerticle(backend),
      new DeploymentOptions().setConfig(new JsonObject().put("heartbeat_ms", 60_000))));
    forTest(id, vertx::undeploy);
  }

  /** {@code thing}, closed after the class's last test. */
  public <T extends AutoCloseable> T forClass(T thing) {
    afterAll.add(() -> {
      try {
        thing.close();
        return Future.succeededFuture();
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    });
    return thing;
  }

  /** {@code thing}, shared by the class's tests: {@code reset} before each, closed after the last. */
  public <T extends AutoCloseable> T forClass(T thing, Consumer<T> reset) {
    beforeEach.add(() -> reset.accept(thing));
    return forClass(thing);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    beforeEach.forEach(Runnable::run);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<Supplier<Future<?>>> stops;
    synchronized (afterEach) {
      stops = List.copyOf(afterEach);
      afterEach.clear();
    }
    stops.forEach(s -> await(s.get()));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    afterAll.forEach(s -> await(s.get()));
    await(vertx.close());
  }
}
