package io.switchboard.app;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's network transport ({@code SWITCHBOARD_TRANSPORT}): the node runs on the one it names and says so in its
 * log, serves HTTP on it, falls back to NIO where a native one cannot load, and refuses a name it does not know. The
 * native cases need Linux on x86_64 or aarch64 (the jars {@code lib/} ships), which is where the project builds.
 */
class NodeTransportTest {

  @Test
  void eachTransportRunsTheNodeAndTheLogSaysWhich(@TempDir Path conf) throws Exception {
    for (String name : new String[] {"epoll", "io_uring", "nio"}) {
      Path dir = conf.resolve(name);
      Files.createDirectories(dir);
      try (LogCapture log = new LogCapture()) {
        MeshNode.Started node = RouterOnlyNode.start(dir, Map.of(NodeTransport.ENV, name), false).await(30, TimeUnit.SECONDS);
        Vertx vertx = node.vertx();
        try {
          assertEquals(!name.equals("nio"), vertx.isNativeTransportEnabled(), name);
          assertTrue(log.lines().stream().anyMatch(l -> l.contains("network transport: " + name)), name + ": " + log.lines());
          String body = vertx.createHttpClient()
            .request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/health/live")
            .compose(req -> req.send().compose(res -> res.body()))
            .await(10, TimeUnit.SECONDS).toString();
          assertTrue(body.contains("\"up\""), name + ": " + body);
        } finally {
          vertx.close().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void unsetRunsTheDefaultAndNativeIsEpollHere() {
    assertEquals(NodeTransport.DEFAULT, NodeTransport.choose(Map.of()).name());
    assertEquals(NodeTransport.DEFAULT, NodeTransport.choose(Map.of(NodeTransport.ENV, " ")).name());
    assertEquals("epoll", NodeTransport.choose(Map.of(NodeTransport.ENV, " Native ")).name());
  }

  @Test
  void aTransportThatCannotLoadFallsBackToNioAndSaysWhy() {
    // kqueue is macOS's: on Linux Vert.x has no usable kqueue, as a native jar of another OS or architecture would be
    assertFalse(Transport.KQUEUE != null && Transport.KQUEUE.available());
    try (LogCapture log = new LogCapture()) {
      assertEquals(Transport.NIO, NodeTransport.usable("kqueue", Transport.KQUEUE));
      assertEquals(Transport.NIO, NodeTransport.usable("epoll", null));
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("network transport: nio (kqueue asked by " + NodeTransport.ENV
        + ", unavailable here")), log.lines().toString());
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("not on the class path")), log.lines().toString());
    }
  }

  @Test
  void aNameItDoesNotKnowStopsTheNodeFromStarting(@TempDir Path conf) {
    Exception e = assertThrows(Exception.class,
      () -> RouterOnlyNode.start(conf, Map.of(NodeTransport.ENV, "dpdk"), false).await(30, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains(NodeTransport.ENV) && e.getMessage().contains("'dpdk'"), e.getMessage());
  }
}
