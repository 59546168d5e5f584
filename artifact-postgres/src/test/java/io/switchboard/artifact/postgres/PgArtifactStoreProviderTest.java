package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactSettings;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactStores;
import io.switchboard.core.testkit.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** {@code artifacts.store: postgresql} reaches this module's store through mesh-core's {@link ArtifactStores}. */
class PgArtifactStoreProviderTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void theSettingsOpenThePostgresqlStore() throws Exception {
    String url = TestPostgres.freshSchemaUrl(vertx);
    ArtifactSettings settings = ArtifactSettings.from(new JsonObject().put("store", "postgresql").put("postgres_url", url), Map.of());
    ArtifactStore store = await(ArtifactStores.open(vertx, settings));
    try {
      assertInstanceOf(PgArtifactStore.class, store);
    } finally {
      await(store.close());
      TestPostgres.dropSchema(vertx, url);
    }
  }
}
