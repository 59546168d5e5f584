package io.switchboard.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A key written to the embedded store is seen by every connection of it, not only by the one that wrote it:
 * many lookups at once (as many routers' verifiers make) all find a new key, and all see its revocation.
 */
class KeyStoreVisibilityTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private DuckDbUsageStore store;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    store = DuckDbUsageStore.open(vertx, dir.resolve("usage.duckdb"), null, UsageStoreTest.DUCKDB);
    store.migrate().await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    store.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private List<StoredKey> lookups(String id, int n) throws Exception {
    List<Future<StoredKey>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(store.findKey(id));
    }
    Future.all(new ArrayList<>(all)).await(30, TimeUnit.SECONDS);
    return all.stream().map(Future::result).toList();
  }

  @Test
  void concurrentLookupsAllSeeANewKeyAndItsRevocation() throws Exception {
    store.insertKey(new StoredKey(new ApiKey("k_visible0001", "v", Instant.now(), null, KeyLimits.NONE), "00", "ff"))
      .await(10, TimeUnit.SECONDS);
    for (StoredKey k : lookups("k_visible0001", 100)) {
      assertNotNull(k, "a connection that did not write the key does not see it");
    }
    store.revokeKey("k_visible0001", Instant.now()).await(10, TimeUnit.SECONDS);
    assertEquals(100, lookups("k_visible0001", 100).stream().filter(k -> k.key().revoked()).count());
  }
}
