package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestPostgres;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.switchboard.usage.Await.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL down at start and again mid-run (stopped with pg_ctl through .ci/postgres.sh, on a server of this
 * test's own): records keep being acknowledged from the journal, and are all written once it is back.
 */
class PostgresOutageTest {

  /** The port of the server this test stops and starts, apart from the shared one. */
  private static final int PORT = 55433;

  @TempDir
  Path dir;
  private Vertx vertx;
  private String url;

  /** The server of this test's own is not left running after it (each test restarts it in {@link #close}). */
  @AfterAll
  static void stopServer() {
    TestPostgres.stop(PORT);
  }

  @AfterEach
  void close() throws Exception {
    TestPostgres.start(PORT);
    if (vertx != null) {
      if (url != null) {
        TestPostgres.dropSchema(vertx, url);
      }
      vertx.close().await();
    }
  }

  private List<Future<Object>> send(List<UsageRecord> records) {
    List<Future<Object>> acks = new ArrayList<>();
    records.forEach(r -> acks.add(vertx.eventBus().request(Addresses.USAGE, r.toJson()).map(m -> m.body())));
    return acks;
  }

  private long storedRequests() throws Exception {
    JsonObject q = result(vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY,
      new JsonObject().put("op", "query").put("group_by", "capability"))).body();
    long n = 0;
    for (Object row : q.getJsonArray("rows")) {
      n += ((JsonObject) row).getLong("requests");
    }
    return n;
  }

  @Test
  void recordsAreAcknowledgedThroughOutagesAndWrittenWhenPostgresReturns() throws Exception {
    vertx = Vertx.vertx();
    MeshExceptionCodec.register(vertx);
    url = TestPostgres.freshSchemaUrl(vertx, TestPostgres.start(PORT));
    TestPostgres.stop(PORT);

    JsonObject conf = new JsonObject().put("store", "postgresql").put("postgres_url", url).put("data_dir", dir.toString())
      .put("retry_min_ms", 100).put("retry_max_ms", 500).put("idle_check_ms", 50);
    result(vertx.deployVerticle(new UsageVerticle(), new DeploymentOptions().setConfig(conf)));

    List<UsageRecord> records = TestRecords.generate(500, 99, "pg-down-");
    for (Future<Object> ack : send(records.subList(0, 300))) {
      assertEquals(new JsonObject().put("durability", "process"), result(ack));
    }
    JsonObject down = Await.status(vertx, 30, s -> s.getInteger("failures") > 0);
    assertFalse(down.getBoolean("store_ready"));
    assertFalse(down.getBoolean("caught_up"));
    assertTrue(down.getLong("backlog_bytes") > 0);
    MeshException e = assertInstanceOf(MeshException.class,
      Await.failure(vertx.eventBus().request(Addresses.KEYS, new JsonObject().put("op", "list"))));
    assertEquals(ErrorCode.UNAVAILABLE, e.errorCode(), "the key store is down too, and says so");

    TestPostgres.start(PORT);
    Await.caughtUp(vertx, 90);
    assertEquals(300L, storedRequests());

    // Down again in the middle of a run: the first half is sent while it is up, the rest while it is down.
    List<Future<Object>> acks = send(records.subList(300, 400));
    TestPostgres.stop(PORT);
    acks.addAll(send(records.subList(400, 500)));
    acks.addAll(send(records.subList(250, 300)));
    for (Future<Object> ack : acks) {
      assertEquals(new JsonObject().put("durability", "process"), result(ack));
    }
    Await.status(vertx, 30, s -> s.getInteger("failures") > 0 || s.getBoolean("caught_up"));
    TestPostgres.start(PORT);
    Await.caughtUp(vertx, 90);
    assertEquals(500L, storedRequests(), "every record once, the resent ones included");
  }
}
