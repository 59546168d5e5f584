package io.switchboard.app;

import io.vertx.core.Future;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** A router-role node with no backends, HTTP on a free loopback port and hot reload off, started as Main starts one. */
public final class RouterOnlyNode {

  private RouterOnlyNode() {
  }

  /** Writes the node's {@code switchboard.yaml} into {@code confDir} and starts it with its own Vert.x. */
  static Future<MeshNode.Started> start(Path confDir, Map<String, String> env, boolean metrics) throws IOException {
    writeConf(confDir, """
      usage:
        data_dir: %s
      """.formatted(confDir.resolve("usage")));
    return MeshNode.start(new NodeOptions("router", Set.of(), false, confDir, null, env, metrics));
  }

  /**
   * Writes {@code confDir/switchboard.yaml}: no backends, HTTP on a free loopback port, hot reload off, then
   * {@code more} (YAML at the top level, may be empty).
   */
  public static void writeConf(Path confDir, String more) throws IOException {
    Files.writeString(confDir.resolve("switchboard.yaml"), """
      http:
        port: 0
        host: 127.0.0.1
      reload:
        scan_period_ms: 0
      backends: []
      """ + more);
  }
}
