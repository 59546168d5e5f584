package io.switchboard.usage.journal;

import io.switchboard.api.MeshException;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageDurability;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.TestRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static io.switchboard.usage.journal.CursorDrain.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a record is written and confirmed: with durability process, on the caller's thread before append returns (no
 * hand-off an answer would wait for), falling back to the writer's thread when the journal has no room mapped; with
 * machine, or with the caller's writes turned off, always by the writer's thread. Either way the journal and its tail
 * hold the records in one order.
 */
class JournalWriterTest {

  @TempDir
  Path dir;

  /** The threads confirmations came on, and failures. */
  private final ConcurrentLinkedQueue<Thread> confirmedOn = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<MeshException> failures = new ConcurrentLinkedQueue<>();

  private void confirm(MeshException failure) {
    confirmedOn.add(Thread.currentThread());
    if (failure != null) {
      failures.add(failure);
    }
  }

  @Test
  void withDurabilityProcessTheCallersThreadWritesAndConfirmsBeforeAppendReturns() throws Exception {
    List<UsageRecord> records = TestRecords.generate(40, 21, "c-");
    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      JournalSyncer syncer = new JournalSyncer(journal, 100);
      JournalTail tail = new JournalTail(1000);
      JournalWriter writer = new JournalWriter(journal, syncer, UsageDurability.PROCESS, true, 4096, 10_000, () -> { }, tail);
      syncer.start();
      writer.start();
      try {
        for (int i = 0; i < 40; i += 8) {
          writer.append(new UsageBatch(records.subList(i, i + 8)), this::confirm);
          assertEquals(i / 8 + 1, confirmedOn.size(), "confirmed before append returned");
        }
        writer.append(new io.vertx.core.json.JsonObject().put("time", "2026-11-21T10:00:00Z"), this::confirm);
        assertEquals(1, failures.size(), "a malformed record is refused on the spot: " + failures);
        confirmedOn.forEach(t -> assertSame(Thread.currentThread(), t));
        assertEquals(40, writer.written());
        assertEquals(records, drain(new JournalCursor(journal, tail, 1 << 20), 100), "from the tail");
        assertEquals(records, drain(new JournalCursor(journal, 1 << 20), 100), "from the file");
      } finally {
        writer.stop();
        syncer.stop();
      }
    }
  }

  @Test
  void withMachineOrWithoutCallerWritesTheWriterThreadConfirms() throws Exception {
    for (boolean machine : new boolean[] {true, false}) {
      confirmedOn.clear();
      Path sub = dir.resolve(machine ? "machine" : "handed-over");
      List<UsageRecord> records = TestRecords.generate(10, 22, "h-");
      try (UsageJournal journal = new UsageJournal(sub, 1 << 20)) {
        journal.open();
        JournalSyncer syncer = new JournalSyncer(journal, 100);
        JournalWriter writer = new JournalWriter(journal, syncer, machine ? UsageDurability.MACHINE : UsageDurability.PROCESS,
          machine, 4096, 10_000, () -> { }, null);
        syncer.start();
        writer.start();
        try {
          CompletableFuture<Thread> done = new CompletableFuture<>();
          writer.append(new UsageBatch(records), failure -> {
            assertNull(failure);
            done.complete(Thread.currentThread());
          });
          Thread on = done.get(10, TimeUnit.SECONDS);
          assertNotEquals(Thread.currentThread(), on);
          assertEquals(machine ? "ledger-fsync" : "ledger-writer", on.getName());
          if (machine) {
            assertTrue(journal.syncedPosition() >= journal.writtenPosition(), "confirmed after the fsync");
          }
          assertEquals(records, drain(new JournalCursor(journal, 1 << 20), 100));
        } finally {
          writer.stop();
          syncer.stop();
        }
      }
    }
  }

  @Test
  void writesThatOutrunTheSpareGoThroughTheWritersThreadInOrder() throws Exception {
    // Segments of 4 KB (a dozen records): the spare prepared at open is used up at once, and writes that find no room
    // mapped are handed to the writer's thread, which prepares the next segment itself. Nothing is lost or reordered.
    List<UsageRecord> records = TestRecords.generate(600, 23, "o-");
    try (UsageJournal journal = new UsageJournal(dir, 4096)) {
      journal.open();
      JournalSyncer syncer = new JournalSyncer(journal, 60_000);
      JournalTail tail = new JournalTail(100_000);
      JournalWriter writer = new JournalWriter(journal, syncer, UsageDurability.PROCESS, true, 4096, 10_000, () -> { }, tail);
      syncer.start();
      writer.start();
      try {
        for (int i = 0; i < 600; i += 3) {
          writer.append(new UsageBatch(records.subList(i, i + 3)), this::confirm);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (confirmedOn.size() < 200 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertEquals(200, confirmedOn.size());
        assertTrue(failures.isEmpty(), failures.toString());
        assertTrue(confirmedOn.stream().anyMatch(t -> t != Thread.currentThread()), "some went through the writer's thread");
        assertTrue(journal.segments().size() >= 3, "segments (the writer thread's writes, several batches in one, get segments their size): " + journal.segments().size());
        List<UsageRecord> fromFile = drain(new JournalCursor(journal, 1 << 20), 1000);
        assertEquals(600, fromFile.size());
        assertEquals(new java.util.HashSet<>(records), new java.util.HashSet<>(fromFile));
        assertEquals(fromFile, drain(new JournalCursor(journal, tail, 1 << 20), 1000), "the tail in the file's order");
      } finally {
        writer.stop();
        syncer.stop();
      }
    }
  }
}
