package io.switchboard.app;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's event loop count: one by default, {@code SWITCHBOARD_EVENT_LOOPS} otherwise, a bad value refused. */
class EventLoopsTest {

  @Test
  void defaultIsOneAndTheVariableSetsIt() {
    assertEquals(1, MeshNode.eventLoops(Map.of()));
    assertEquals(1, MeshNode.eventLoops(Map.of(MeshNode.EVENT_LOOPS_ENV, " ")));
    assertEquals(4, MeshNode.eventLoops(Map.of(MeshNode.EVENT_LOOPS_ENV, " 4 ")));
    for (String bad : new String[] {"0", "-2", "two", "1.5", "4096"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeshNode.eventLoops(Map.of(MeshNode.EVENT_LOOPS_ENV, bad)), bad);
      assertTrue(e.getMessage().contains(MeshNode.EVENT_LOOPS_ENV) && e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void aNodeRunsEveryVerticleOnItsOneEventLoop(@TempDir Path conf) throws Exception {
    assertEquals(1, threadsOfVerticles(conf, Map.of(), 4));
  }

  @Test
  void aNodeAskedForTwoLoopsSpreadsVerticlesOverTwo(@TempDir Path conf) throws Exception {
    assertEquals(2, threadsOfVerticles(conf, Map.of(MeshNode.EVENT_LOOPS_ENV, "2"), 4));
  }

  @Test
  void aBadValueStopsTheNodeFromStarting(@TempDir Path conf) throws Exception {
    Exception e = assertThrows(Exception.class,
      () -> RouterOnlyNode.start(conf, Map.of(MeshNode.EVENT_LOOPS_ENV, "none"), false).await(30, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains(MeshNode.EVENT_LOOPS_ENV), e.getMessage());
  }

  /** Starts a node, deploys {@code verticles} more verticles beside its own, and counts the threads they start on. */
  private static int threadsOfVerticles(Path conf, Map<String, String> env, int verticles) throws Exception {
    MeshNode.Started node = RouterOnlyNode.start(conf, env, false).await(30, TimeUnit.SECONDS);
    Vertx vertx = node.vertx();
    try {
      Set<String> threads = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < verticles; i++) {
        vertx.deployVerticle(new VerticleBase() {
          @Override
          public Future<?> start() {
            threads.add(Thread.currentThread().getName());
            return Future.succeededFuture();
          }
        }).await(10, TimeUnit.SECONDS);
      }
      assertTrue(threads.stream().allMatch(t -> t.startsWith("vert.x-eventloop-thread-")), threads.toString());
      return threads.size();
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
