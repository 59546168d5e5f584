package io.switchboard.artifact.postgres;

import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactStoreContract;
import io.switchboard.core.artifact.ArtifactWriter;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.testkit.TestPostgres;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shared store on a real PostgreSQL ({@code SWITCHBOARD_TEST_POSTGRES_URL}, else started): the same contract. */
class PgArtifactStoreTest extends ArtifactStoreContract {

  private String url;

  @Override
  protected ArtifactStore open(AtomicLong clock) throws Exception {
    url = TestPostgres.freshSchemaUrl(vertx);
    return await(PgArtifactStore.connect(vertx, url, 4, clock::get));
  }

  @Override
  protected void corrupt(ArtifactStore store, Cid cid, long offset, byte[] bytes) throws Exception {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    try {
      await(pool.preparedQuery("SELECT lo_put(oid, $2, $3) FROM artifacts WHERE cid = $1")
        .execute(Tuple.of(cid.toString(), offset, Buffer.buffer(bytes))));
    } finally {
      pool.close();
    }
  }

  @Override
  protected void cleanUp() throws Exception {
    TestPostgres.execute(vertx, url, "SELECT lo_unlink(oid) FROM (SELECT oid FROM artifacts UNION SELECT oid FROM artifact_uploads) o");
    TestPostgres.dropSchema(vertx, url);
  }

  /** Nothing is left behind in the database: every large object an artifact or an upload made is unlinked with it. */
  @Test
  void noLargeObjectOutlivesItsArtifact() throws Exception {
    long before = largeObjects();
    Cid a = await(store.put(K1_LOCAL, Buffer.buffer(bytes(300_000, 1)))).cid();
    await(store.put(K2_CLOUD, Buffer.buffer(bytes(300_000, 1))));
    ArtifactWriter w = store.writer(K1_LOCAL);
    await(w.write(Buffer.buffer(bytes(300_000, 1)))); // the same bytes again: uploaded, then dropped at commit
    await(w.end());
    ArtifactWriter aborted = store.writer(K1_LOCAL);
    await(aborted.write(Buffer.buffer(bytes(1000, 5))));
    aborted.abort();
    assertEquals(before + 1, waitForLargeObjects(before + 1));
    await(store.delete(a));
    assertEquals(before, waitForLargeObjects(before));
  }

  private long waitForLargeObjects(long expected) throws Exception {
    long until = System.nanoTime() + 30_000_000_000L;
    long n = largeObjects();
    while (n != expected && System.nanoTime() < until) {
      Thread.sleep(20); // the aborted upload is unlinked in the background
      n = largeObjects();
    }
    return n;
  }

  private long largeObjects() throws Exception {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    try {
      return await(pool.query("SELECT count(*) AS n FROM pg_largeobject_metadata").execute()).iterator().next().getLong("n");
    } finally {
      pool.close();
    }
  }
}
