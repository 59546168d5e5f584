package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.switchboard.usage.query.UsageCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded store's export reads in chunks (one ordered query each, the next after the last record read): the
 * chunks' seams, inside a page and on its edge, change nothing in the text.
 */
class DuckDbExportChunksTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();

  @TempDir
  Path dir;

  @Test
  void chunksOfAnySizeMakeTheSameExport() throws Exception {
    DuckDbUsageStore store = DuckDbUsageStore.open(VX.get(), dir.resolve("usage.duckdb"), null,
      new DuckDbUsageStore.Options(64, 1, 2, 16, Map.of()));
    try {
      Await.result(store.migrate());
      List<UsageRecord> records = TestRecords.generate(300, 5, "chunk-");
      Await.result(store.insert(records));
      String whole = UsageCsv.write(Await.result(store.records(0, Long.MAX_VALUE, 1_000)), false);
      for (int chunk : new int[]{1, 7, 50, 100, 299, 300, 1_000}) {
        for (int page : new int[]{10, 50, 1_000}) {
          assertEquals(whole, read(store, chunk, page, 1_000), "chunks of " + chunk + ", pages of " + page);
        }
      }
      String first = UsageCsv.write(Await.result(store.records(0, Long.MAX_VALUE, 120)), false);
      assertEquals(first, read(store, 50, 30, 120), "to a limit across chunks");
    } finally {
      Await.result(store.close());
    }
  }

  private static String read(DuckDbUsageStore store, int chunk, int page, int limit) throws Exception {
    CsvCursor cursor = Await.result(store.openExport(0, Long.MAX_VALUE, 0, null, limit, chunk));
    StringBuilder sb = new StringBuilder();
    try {
      while (true) {
        CsvCursor.Page p = Await.result(cursor.next(page));
        sb.append(p.csv());
        if (p.rows() < page) {
          return sb.toString();
        }
      }
    } finally {
      Await.result(cursor.close());
    }
  }
}
