package io.switchboard.core.artifact;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** mesh-core alone has no shared store: asking for one says which module serves it (artifact-postgres has the test that it does). */
class ArtifactStoresTest {

  @Test
  void aSharedStoreWithoutItsModuleSaysWhichModuleItNeeds() {
    Vertx vertx = Vertx.vertx();
    try {
      ArtifactSettings settings = ArtifactSettings.from(
        new JsonObject().put("store", "postgresql").put("postgres_url", "postgresql://u:p@127.0.0.1:9/x"), Map.of());
      Future<ArtifactStore> store = ArtifactStores.open(vertx, settings);
      assertTrue(store.failed());
      assertTrue(store.cause().getMessage().contains("artifact-postgres"), store.cause().getMessage());
    } finally {
      vertx.close().await();
    }
  }
}
