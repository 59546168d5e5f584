package io.switchboard.usage.journal;

import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.usage.Await;
import io.switchboard.usage.TestRecords;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.switchboard.usage.store.SchemaGate;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the embedded store the shipper hands each journal write to the store's open insert within {@code stageMs}, so
 * the records leave the Java heap (the journal's tail) long before the insert commits every {@code lingerMs}; the
 * cursor moves only at the commit, and what a failure or a crash loses from the open insert is read again from the
 * journal.
 */
class UsageShipperStagingTest {

  @TempDir
  Path dir;

  @RegisterExtension
  static final TestVertx VX = new TestVertx();
  private static final Vertx vertx = VX.get();

  /** A commit every {@code lingerMs}, whatever the records; records staged every {@code stageMs}, however few. */
  private static UsageShipper.Options options(int batchSize, long lingerMs, long stageMs) {
    return options(batchSize, lingerMs, stageMs, 0, lingerMs, 1);
  }

  private static UsageShipper.Options options(int batchSize, long lingerMs, long stageMs, int lingerRecords, long maxLingerMs,
                                              int stageRecords) {
    return new UsageShipper.Options(batchSize, 50, 1000, 20, 1L << 20, 60_000, lingerMs, stageMs, lingerRecords, maxLingerMs,
      stageRecords);
  }

  /** Writes {@code records} as the journal writer does, in writes of 10, and wakes the shipper. */
  private static void write(UsageJournal journal, JournalTail tail, UsageShipper shipper, List<UsageRecord> records) throws Exception {
    write(journal, tail, shipper, records, 10);
  }

  /** Writes {@code records} as the journal writer does, in writes of {@code perWrite}, and wakes the shipper. */
  private static void write(UsageJournal journal, JournalTail tail, UsageShipper shipper, List<UsageRecord> records, int perWrite)
      throws Exception {
    JournalLines lines = new JournalLines();
    for (int i = 0; i < records.size(); i += perWrite) {
      List<UsageRecord> part = records.subList(i, Math.min(records.size(), i + perWrite));
      lines.begin();
      part.forEach(lines::add);
      UsageJournal.Written w = journal.write(ByteBuffer.wrap(lines.finish()));
      tail.add(new JournalTail.Write(w.segmentId(), w.start(), w.end(), List.copyOf(part)));
    }
    shipper.nudge();
  }

  private record Ledger(UsageJournal journal, JournalTail tail, DuckDbUsageStore store, UsageShipper shipper,
                        WorkerExecutor reader, WorkerExecutor journalThread) {
    void stop() throws Exception {
      Await.result(shipper.stop());
      Await.result(store.close());
      journal.close();
      Await.result(reader.close());
      Await.result(journalThread.close());
    }
  }

  private static DuckDbUsageStore open(Path base) {
    return DuckDbUsageStore.open(vertx, base.resolve("usage.duckdb"), null, new DuckDbUsageStore.Options(64, 1, 2, 16, Map.of()));
  }

  private Ledger start(Path base, UsageShipper.Options options) throws Exception {
    UsageJournal journal = new UsageJournal(base.resolve("journal"), 1 << 20);
    journal.open();
    JournalTail tail = new JournalTail(10_000);
    DuckDbUsageStore store = open(base);
    WorkerExecutor reader = vertx.createSharedWorkerExecutor("test-reader-" + System.nanoTime(), 1);
    WorkerExecutor journalThread = vertx.createSharedWorkerExecutor("test-journal-" + System.nanoTime(), 1);
    UsageShipper[] shipper = new UsageShipper[1];
    // The shipper runs on an event loop of its own, as in the verticle.
    Await.result(vertx.deployVerticle(new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        shipper[0] = new UsageShipper(vertx, journal, tail, store, new SchemaGate(store), reader, journalThread, options);
        shipper[0].start();
        return io.vertx.core.Future.succeededFuture();
      }
    }));
    // Migrated (again: it is idempotent) before the tests count.
    Await.result(store.migrate());
    return new Ledger(journal, tail, store, shipper[0], reader, journalThread);
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
      Thread.sleep(5);
    }
  }

  private interface LedgerUse {
    void accept(Ledger l) throws Exception;
  }

  /** Starts a ledger in {@code dir} with {@code options}, hands it to {@code use}, stops it (committing what is staged). */
  private void withLedger(UsageShipper.Options options, LedgerUse use) throws Exception {
    Ledger l = start(dir, options);
    try {
      use.accept(l);
    } finally {
      l.stop();
    }
  }

  /** The store, opened again after a stop, holds {@code records}: the stop committed what was staged. */
  private void assertStoredAfterRestart(long records) throws Exception {
    DuckDbUsageStore reopened = open(dir);
    Await.result(reopened.migrate());
    assertEquals(records, Await.result(reopened.count()), "the stop commits what is staged");
    Await.result(reopened.close());
  }

  /**
   * Writes {@code held}; 300 ms later {@code measure} must still say {@code whileHeld} (else fails with {@code why});
   * then writes {@code rest} and waits for it to say {@code released}. {@code rest} goes in one write: the shipper sees
   * all of it or none. In writes of 10, a stage between two of them could take part of it and leave fewer records than
   * the shipper waits for, which then wait for the maximum linger (a minute here), as they should.
   */
  private static void heldUntilMore(Ledger l, List<UsageRecord> held, List<UsageRecord> rest, java.util.function.LongSupplier measure,
                                    long whileHeld, long released, String why) throws Exception {
    write(l.journal(), l.tail(), l.shipper(), held);
    Thread.sleep(300);
    assertEquals(whileHeld, measure.getAsLong(), why);
    write(l.journal(), l.tail(), l.shipper(), rest, rest.size());
    waitFor("the rest to release them", () -> measure.getAsLong() == released);
  }

  @Test
  void recordsLeaveTheHeapWithinAStageAndAreStoredAtTheLingersCommit() throws Exception {
    List<UsageRecord> records = TestRecords.generate(300, 21, "stage-");
    Ledger l = start(dir, options(5000, 60_000, 10));
    try {
      write(l.journal(), l.tail(), l.shipper(), records);
      waitFor("the tail to let the records go", () -> l.tail().kept() == 0);
      assertEquals(0L, Await.result(l.store().count()), "staged, not committed: the linger is a minute");
      assertTrue(l.shipper().status().getLong("backlog_bytes") > 0, "the cursor waits for the commit");
    } finally {
      // A stop commits what is staged.
      l.stop();
    }
    assertStoredAfterRestart(300L);
  }

  @Test
  void aCommitPastTheLingerWaitsForItsRecords() throws Exception {
    List<UsageRecord> records = TestRecords.generate(120, 23, "count-");
    // Linger 20 ms, but 100 records or a minute.
    withLedger(options(5000, 20, 10, 100, 60_000, 1), l -> heldUntilMore(l, records.subList(0, 60), records.subList(60, 120),
      () -> Await.result(l.store().count()), 0, 120, "60 records stored: past the linger, short of the count"));
  }

  @Test
  void anOpenInsertTakesRecordsWhenEnoughWait() throws Exception {
    List<UsageRecord> records = TestRecords.generate(70, 25, "few-");
    withLedger(options(5000, 60_000, 10, 100_000, 60_000, 50), l -> {
      write(l.journal(), l.tail(), l.shipper(), records.subList(0, 10));
      waitFor("the first records to open the insert", () -> l.tail().kept() == 0);
      heldUntilMore(l, records.subList(10, 30), records.subList(30, 70), () -> l.tail().kept(), 20, 0,
        "20 records staged before 50 waited");
    });
    assertStoredAfterRestart(70L);
  }

  @Test
  void aCommitShortOfItsRecordsWaitsNoLongerThanTheLongestLinger() throws Exception {
    List<UsageRecord> records = TestRecords.generate(30, 24, "max-");
    withLedger(options(5000, 20, 10, 1_000, 400, 1), l -> {
      long t0 = System.nanoTime();
      write(l.journal(), l.tail(), l.shipper(), records);
      waitFor("the commit at the longest linger", () -> Await.result(l.store().count()) == 30L);
      assertTrue(System.nanoTime() - t0 >= 400_000_000L, "committed before the longest linger, short of the count");
    });
  }

  @Test
  void whatACrashTakesFromTheOpenInsertIsStoredOnceFromTheJournalAtTheNextStart() throws Exception {
    List<UsageRecord> records = new ArrayList<>(TestRecords.generate(290, 22, "crash-"));
    records.sort(Comparator.comparing(UsageRecord::time));
    // A full batch (150) commits at once; the 140 after it stay staged for the minute's linger.
    Ledger l = start(dir.resolve("a"), options(150, 60_000, 10));
    Path image = dir.resolve("b");
    try {
      write(l.journal(), l.tail(), l.shipper(), records.subList(0, 150));
      waitFor("the full batch's commit", () -> Await.result(l.store().count()) == 150L);
      write(l.journal(), l.tail(), l.shipper(), records.subList(150, 290));
      waitFor("the rest to be staged", () -> l.tail().kept() == 0);
      assertEquals(150L, Await.result(l.store().count()));
      // The machine as a crash would leave it now: the journal's bytes and the store's committed state.
      copy(dir.resolve("a"), image);
    } finally {
      l.stop();
    }
    Ledger after = start(image, options(5000, 20, 10));
    try {
      waitFor("the replay", () -> after.shipper().status().getBoolean("caught_up"));
      assertEquals(290L, Await.result(after.store().count()), "the 140 staged are stored, the 150 committed not twice");
      assertEquals(records, Await.result(after.store().records(0, Long.MAX_VALUE, 1_000)).stream()
        .sorted(Comparator.comparing(UsageRecord::time)).toList());
    } finally {
      after.stop();
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
