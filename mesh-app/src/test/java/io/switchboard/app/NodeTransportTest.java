package io.switchboard.app;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    // io_uring can be refused by the kernel or a container's seccomp profile: then the node must say so and run NIO
    String ioUring = ioUringHere() ? "io_uring" : "nio (io_uring unavailable here";
    for (String[] c : new String[][] {{"epoll", "epoll"}, {"io_uring", ioUring}, {"nio", "nio"}}) {
      Path dir = conf.resolve(c[0]);
      Files.createDirectories(dir);
      try (LogCapture log = new LogCapture()) {
        MeshNode.Started node = RouterOnlyNode.start(dir, Map.of(NodeTransport.ENV, c[0]), false).await(30, TimeUnit.SECONDS);
        Vertx vertx = node.vertx();
        try {
          assertEquals(!c[1].startsWith("nio"), vertx.isNativeTransportEnabled(), c[0]);
          assertTrue(log.lines().stream().anyMatch(l -> l.contains("network transport: " + c[1])), c[0] + ": " + log.lines());
          String body = vertx.createHttpClient()
            .request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/health/live")
            .compose(req -> req.send().compose(res -> res.body()))
            .await(10, TimeUnit.SECONDS).toString();
          assertTrue(body.contains("\"up\""), c[0] + ": " + body);
        } finally {
          vertx.close().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void unsetRunsTheDefaultAndNativeIsIoUringThenEpoll() {
    assertEquals(NodeTransport.DEFAULT.equals("native") ? nativeHere() : NodeTransport.DEFAULT, NodeTransport.choose(Map.of()).name());
    assertEquals(NodeTransport.choose(Map.of()).name(), NodeTransport.choose(Map.of(NodeTransport.ENV, " ")).name());
    assertEquals(nativeHere(), NodeTransport.choose(Map.of(NodeTransport.ENV, " Native ")).name());
  }

  @Test
  void aTransportThatCannotLoadGivesWayToTheNextThenToNioAndTheLogSaysWhy() {
    // kqueue is macOS's: on Linux Vert.x has no usable kqueue, as a native jar of another OS or architecture would be
    assertFalse(Transport.KQUEUE != null && Transport.KQUEUE.available());
    try (LogCapture log = new LogCapture()) {
      assertEquals(Transport.EPOLL, NodeTransport.usable(List.of("kqueue", "epoll"),
        n -> n.equals("kqueue") ? Transport.KQUEUE : Transport.EPOLL));
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("network transport: epoll (kqueue unavailable here: ")),
        log.lines().toString());
      assertEquals(Transport.NIO, NodeTransport.usable(List.of("io_uring"), n -> null));
      assertTrue(log.lines().stream().anyMatch(l -> l.contains(
        "network transport: nio (io_uring unavailable here: its classes are not on the class path)")), log.lines().toString());
    }
  }

  private static String nativeHere() {
    return ioUringHere() ? "io_uring" : "epoll";
  }

  private static boolean ioUringHere() {
    return Transport.IO_URING != null && Transport.IO_URING.available();
  }

  @Test
  void aNameItDoesNotKnowStopsTheNodeFromStarting(@TempDir Path conf) {
    Exception e = assertThrows(Exception.class,
      () -> RouterOnlyNode.start(conf, Map.of(NodeTransport.ENV, "dpdk"), false).await(30, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains(NodeTransport.ENV) && e.getMessage().contains("'dpdk'"), e.getMessage());
  }
}
