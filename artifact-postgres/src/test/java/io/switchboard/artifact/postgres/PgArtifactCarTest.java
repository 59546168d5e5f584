package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactCarTest;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.testkit.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.switchboard.core.testkit.Await.await;

/** A CAR exported from the PostgreSQL store is read by the reference exactly as one from the file store. */
class PgArtifactCarTest {

  private static Vertx vertx;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void theReferenceReadsTheExport() throws Exception {
    String url = TestPostgres.freshSchemaUrl(vertx);
    ArtifactStore store = await(PgArtifactStore.connect(vertx, url, 2));
    try {
      ArtifactCarTest.exportIsTheReferences(store, dir, 700_000);
    } finally {
      await(store.close());
      TestPostgres.execute(vertx, url, "SELECT lo_unlink(oid) FROM artifacts");
      TestPostgres.dropSchema(vertx, url);
    }
  }
}
