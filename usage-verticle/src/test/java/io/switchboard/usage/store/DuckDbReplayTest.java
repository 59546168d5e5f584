package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded store checks each batch against the table's records of its time span: a replay is stored once, whether
 * it comes in the same run or after a restart.
 */
class DuckDbReplayTest {

  private static final DuckDbUsageStore.Options OPTIONS = new DuckDbUsageStore.Options(64, 1, 2, 16, Map.of());
  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();

  @TempDir
  Path dir;

  @Test
  void aReplayIsStoredOnceInTheSameRunAndAfterARestart() throws Exception {
    List<UsageRecord> records = new ArrayList<>(TestRecords.generate(400, 7, "replay-"));
    records.sort(Comparator.comparing(UsageRecord::time));
    Path file = dir.resolve("usage.duckdb");
    DuckDbUsageStore store = DuckDbUsageStore.open(vertx, file, null, OPTIONS);
    Await.result(store.migrate());
    Await.result(store.insert(records.subList(0, 200)));
    Await.result(store.insert(records.subList(100, 300)));
    assertEquals(300L, Await.result(store.count()), "the overlap with the batch before is not stored twice");
    Await.result(store.close());

    store = DuckDbUsageStore.open(vertx, file, null, OPTIONS);
    Await.result(store.migrate());
    Await.result(store.insert(records));
    assertEquals(400L, Await.result(store.count()), "after a restart the replayed 300 are skipped, the 100 new kept");
    Await.result(store.insert(records.subList(350, 400)));
    assertEquals(400L, Await.result(store.count()));
    assertEquals(records, Await.result(store.records(0, Long.MAX_VALUE, 1_000)).stream()
      .sorted(Comparator.comparing(UsageRecord::time)).toList());
    Await.result(store.close());
  }
}
