package io.switchboard.usage.store;

import io.switchboard.core.process.BackgroundPriority;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The store's writer thread runs at background priority: the event loop gets the core first (docs/benchmarks.md). */
class DuckDbWriterPriorityTest {

  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();

  @TempDir
  Path dir;

  /** The nice values of this JVM's threads named (as the kernel keeps 15 characters) ledger-duckdb-w. */
  private static List<Integer> writerNices() throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks.filter(t -> {
        try {
          return Files.readString(t.resolve("comm")).strip().equals("ledger-duckdb-w");
        } catch (IOException gone) {
          return false;
        }
      }).map(t -> {
        try {
          return niceOf(t.resolve("stat"));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).toList();
    }
  }

  /** Field 19 of a thread's stat: its nice value. */
  private static int niceOf(Path stat) throws IOException {
    String s = Files.readString(stat);
    return Integer.parseInt(s.substring(s.lastIndexOf(')') + 2).split(" ")[16]);
  }

  @Test
  void theWriterRunsAtBackgroundPriority() throws Exception {
    DuckDbUsageStore store = DuckDbUsageStore.open(vertx, dir.resolve("usage.duckdb"), null,
      new DuckDbUsageStore.Options(64, 1, 2, 16, Map.of()));
    Await.result(store.migrate());
    Await.result(store.insert(TestRecords.generate(50, 3, "nice-")));
    List<Integer> nices = writerNices();
    Await.result(store.close());
    assertFalse(nices.isEmpty(), "the writer thread is there");
    int own = niceOf(Path.of("/proc/thread-self/stat")); // the test's thread: the JVM's priority (tests may run niced)
    nices.forEach(n -> assertEquals(Math.min(19, own + BackgroundPriority.STEPS), n));
  }
}
