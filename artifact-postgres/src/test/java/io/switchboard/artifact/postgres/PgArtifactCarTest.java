package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactCarTest;
import io.switchboard.core.artifact.ArtifactSettings;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactStores;
import io.switchboard.core.testkit.TestPostgres;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@code artifacts.store: postgresql} reaches this module's store through mesh-core's {@link ArtifactStores}, and a CAR
 * exported from it is read by the reference exactly as one from the file store.
 */
class PgArtifactCarTest {

  @RegisterExtension
  static final TestVertx vx = new TestVertx();

  @TempDir
  Path dir;

  @Test
  void theSettingsOpenThePostgresqlStoreAndTheReferenceReadsItsExport() throws Exception {
    String url = TestPostgres.freshSchemaUrl(vx.get());
    ArtifactSettings settings = ArtifactSettings.from(new JsonObject().put("store", "postgresql").put("postgres_url", url), Map.of());
    ArtifactStore store = await(ArtifactStores.open(vx.get(), settings));
    try {
      assertInstanceOf(PgArtifactStore.class, store);
      ArtifactCarTest.exportIsTheReferences(store, dir, 700_000);
    } finally {
      await(store.close());
      TestPostgres.execute(vx.get(), url, "SELECT lo_unlink(oid) FROM artifacts");
      TestPostgres.dropSchema(vx.get(), url);
    }
  }
}
