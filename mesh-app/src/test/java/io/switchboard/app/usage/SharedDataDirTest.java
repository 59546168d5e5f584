package io.switchboard.app.usage;

import io.switchboard.app.MeshNode;
import io.switchboard.app.NodeOptions;
import io.switchboard.app.RouterOnlyNode;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second single node on the same host with the same usage data directory cannot have a ledger (the first holds its
 * journal), and nothing else on its bus could be one: it fails to start, saying why and what to change, rather than
 * running without a ledger and answering every {@code sb-} key with "No handlers for address switchboard.keys". With
 * its own directory (SWITCHBOARD_USAGE_DIR) it starts.
 */
class SharedDataDirTest {

  @Test
  void aSecondNodeOnTheSameDataDirFailsToStartNamingTheFix(@TempDir Path confDir, @TempDir Path data, @TempDir Path other) throws Exception {
    RouterOnlyNode.writeConf(confDir, "");
    Map<String, String> env = Map.of("SWITCHBOARD_USAGE_DIR", data.toString());
    MeshNode.Started first = MeshNode.start(new NodeOptions("all", Set.of(), false, confDir, null, env, false)).await(60, TimeUnit.SECONDS);
    try {
      ExecutionException e = assertThrows(ExecutionException.class,
        () -> MeshNode.start(new NodeOptions("all", Set.of(), false, confDir, null, env, false)).toCompletionStage().toCompletableFuture()
          .get(60, TimeUnit.SECONDS));
      String message = e.getCause().getMessage();
      assertTrue(message.contains(data.toString()) && message.contains("SWITCHBOARD_USAGE_DIR") && message.contains("usage.data_dir"), message);

      MeshNode.Started second = MeshNode.start(new NodeOptions("all", Set.of(), false, confDir, null,
        Map.of("SWITCHBOARD_USAGE_DIR", other.toString()), false)).await(60, TimeUnit.SECONDS);
      assertTrue(Files.isDirectory(other.resolve("journal")), "the second node's ledger is in its own directory");
      assertEquals(true, second.httpPort() > 0);
      second.vertx().close().await(20, TimeUnit.SECONDS);
    } finally {
      first.vertx().close().await(20, TimeUnit.SECONDS);
    }
  }
}
