package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.core.testkit.TestCluster;
import io.switchboard.core.testkit.TestPostgres;
import io.switchboard.usage.cluster.ClusterLedgers;
import io.switchboard.usage.cluster.LedgerConflictException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One ledger per cluster: a second usage verticle on its own embedded store is refused at start (before it opens a
 * file) with a message that names the fix, and may start once the first has stopped; a ledger of a node that is no
 * longer a member does not count; ledgers on one PostgreSQL (same database and schema) share a cluster, on another
 * schema they do not.
 */
class ClusterLedgersTest {

  @TempDir
  Path dir;
  private final List<Vertx> members = new ArrayList<>();
  private final List<String> schemas = new ArrayList<>();

  @AfterEach
  void leave() throws Exception {
    for (Vertx v : members) {
      v.close().await();
    }
    Vertx vertx = Vertx.vertx();
    try {
      for (String url : schemas) {
        TestPostgres.dropSchema(vertx, url);
      }
    } finally {
      vertx.close().await();
    }
  }

  private List<Vertx> cluster(int n) throws Exception {
    TestCluster cluster = new TestCluster();
    for (int i = 0; i < n; i++) {
      members.add(cluster.join());
    }
    return members;
  }

  private static Future<String> ledger(Vertx vertx, JsonObject conf) {
    return vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf));
  }

  private JsonObject embedded(String name) {
    return new JsonObject().put("data_dir", dir.resolve(name).toString()).put("store", "duckdb");
  }

  @Test
  void aSecondEmbeddedLedgerIsRefusedUntilTheFirstStops() throws Exception {
    List<Vertx> nodes = cluster(2);
    String first = result(ledger(nodes.get(0), embedded("a")));

    Throwable refused = Await.failure(ledger(nodes.get(1), embedded("b")));
    LedgerConflictException conflict = assertInstanceOf(LedgerConflictException.class, refused);
    String message = conflict.getMessage();
    assertTrue(message.contains("usage.local_ledger: false") && message.contains("postgres_url")
      && message.contains("split API keys and usage"), message);
    assertFalse(Files.exists(dir.resolve("b/usage.duckdb")), "the refused ledger opened no store");
    assertFalse(Files.exists(dir.resolve("b/journal")), "the refused ledger opened no journal");

    // The one ledger answers both members.
    JsonObject created = result(nodes.get(1).eventBus().<JsonObject>request(Addresses.KEYS,
      new JsonObject().put("op", "create").put("name", "from b"))).body();
    JsonObject listed = result(nodes.get(0).eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "list"))).body();
    assertEquals(created.getJsonObject("key").getString("id"), listed.getJsonArray("keys").getJsonObject(0).getString("id"));

    result(nodes.get(0).undeploy(first));
    result(ledger(nodes.get(1), embedded("b")));
  }

  @Test
  void aLedgerOfANodeThatLeftTheClusterDoesNotCount() throws Exception {
    List<Vertx> nodes = cluster(2);
    // What a member killed with SIGKILL leaves behind: its entry, under a node id no longer in the cluster.
    result(nodes.get(0).sharedData().<String, String>getAsyncMap("switchboard.usage.ledgers")
      .compose(map -> map.put("gone-node", new JsonObject().put("node", "gone-node").put("kind", "duckdb")
        .put("identity", "duckdb:" + dir.resolve("gone")).put("shared", false).encode())));
    result(ledger(nodes.get(1), embedded("b")));
  }

  @Test
  void ledgersOnOnePostgresShareTheClusterAndOnAnotherSchemaAreRefused() throws Exception {
    List<Vertx> nodes = cluster(3);
    String shared = TestPostgres.freshSchemaUrl(nodes.get(0));
    String other = TestPostgres.freshSchemaUrl(nodes.get(0));
    schemas.add(shared);
    schemas.add(other);
    result(ledger(nodes.get(0), embedded("a").put("store", "postgresql").put("postgres_url", shared)));
    // The same database and schema, reached as another user: the same store.
    String sameStore = shared.replace("postgresql://switchboard:switchboard@", "postgresql://other:secret@");
    ClusterLedgers.Store a = ClusterLedgers.Store.postgres(shared);
    assertEquals(a, ClusterLedgers.Store.postgres(sameStore));
    assertFalse(a.identity().contains("switchboard:switchboard"), "no credentials in what is announced: " + a.identity());
    result(ledger(nodes.get(1), embedded("b").put("store", "postgresql").put("postgres_url", shared)));

    Throwable refused = Await.failure(ledger(nodes.get(2), embedded("c").put("store", "postgresql").put("postgres_url", other)));
    assertTrue(assertInstanceOf(LedgerConflictException.class, refused).getMessage().contains("different databases"), refused.getMessage());
    Throwable embeddedRefused = Await.failure(ledger(nodes.get(2), embedded("c")));
    assertTrue(assertInstanceOf(LedgerConflictException.class, embeddedRefused).getMessage().contains("embedded duckdb store"),
      embeddedRefused.getMessage());
  }
}
