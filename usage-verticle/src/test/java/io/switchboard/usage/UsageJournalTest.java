package io.switchboard.usage;

import io.switchboard.api.UsageRecord;
import io.switchboard.usage.journal.JournalCursor;
import io.switchboard.usage.journal.UsageJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static io.switchboard.usage.journal.CursorDrain.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal on its own: order, rotation, deletion, a reopen after a crash, torn and corrupt lines. */
class UsageJournalTest {

  @TempDir
  Path dir;

  private static List<byte[]> lines(List<UsageRecord> records) {
    List<byte[]> out = new ArrayList<>();
    records.forEach(r -> out.add(r.toJson().encode().getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  /** Writes the lines as the journal writer does: one batch, newline-terminated. */
  private static long append(UsageJournal journal, List<byte[]> lines) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] l : lines) {
      out.write(l);
      out.write('\n');
    }
    return journal.write(ByteBuffer.wrap(out.toByteArray())).position();
  }

  @Test
  void readsBackInOrderAcrossRotationsAndDeletesWhatIsConsumed() throws IOException {
    List<UsageRecord> records = TestRecords.generate(300, 1, "j-");
    try (UsageJournal journal = new UsageJournal(dir, 16 * 1024)) {
      journal.open();
      for (int i = 0; i < 300; i += 30) {
        append(journal, lines(records.subList(i, i + 30)));
      }
      assertTrue(journal.segments().size() > 3, "small segments rotate: " + journal.segments().size());
      JournalCursor cursor = new JournalCursor(journal, 8 * 1024);
      assertEquals(records, drain(cursor, 17));
      List<Long> consumed = cursor.consumedSegments();
      assertEquals(journal.segments().size() - 1, consumed.size(), "every closed segment is consumed, the open one stays");
      cursor.closeChannel();
      for (long id : consumed) {
        journal.delete(id);
      }
      assertEquals(1, journal.segments().size());
      assertEquals(0, cursor.backlogBytes());
      append(journal, lines(records.subList(0, 2)));
      assertTrue(cursor.backlogBytes() > 0);
      assertEquals(records.subList(0, 2), drain(cursor, 10));
    }
  }

  @Test
  void aReopenReplaysEverythingAndSkipsATornTailAndCorruptLines() throws IOException {
    List<UsageRecord> records = TestRecords.generate(50, 2, "t-");
    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      append(journal, lines(records.subList(0, 20)));
      append(journal, List.of("{not json".getBytes(StandardCharsets.UTF_8)));
      append(journal, lines(records.subList(20, 40)));
    }
    // A crash in the middle of a write leaves half a line that was never acknowledged.
    Path segment;
    try (var files = Files.list(dir)) {
      segment = files.filter(p -> p.getFileName().toString().startsWith("segment-")).findFirst().orElseThrow();
    }
    Files.write(segment, "{\"request_id\":\"half".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);

    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      append(journal, lines(records.subList(40, 50)));
      JournalCursor cursor = new JournalCursor(journal, 4096);
      assertEquals(records, drain(cursor, 7));
    }
  }

  @Test
  void whatAKilledProcessLeavesIsReplayedUpToTheZerosAndATornRecordSkipped() throws IOException {
    List<UsageRecord> records = TestRecords.generate(30, 6, "k-");
    Path crashed = dir.resolve("after-the-kill");
    Files.createDirectories(crashed);
    try (UsageJournal journal = new UsageJournal(dir.resolve("live"), 1 << 20)) {
      journal.open();
      append(journal, lines(records.subList(0, 30)));
      assertEquals(0, journal.syncedPosition(), "never synced: only in the page cache");
      // What a kill -9 leaves: the files as the kernel holds them, segments at their full size, zeros past the data
      // (the spare all zeros), never closed; and half a record, copied when the process died.
      try (var files = Files.list(dir.resolve("live"))) {
        for (Path p : files.filter(p -> p.getFileName().toString().startsWith("segment-")).toList()) {
          Files.copy(p, crashed.resolve(p.getFileName()));
        }
      }
    }
    Path first;
    try (var files = Files.list(crashed)) {
      first = files.sorted().findFirst().orElseThrow();
    }
    assertEquals(1 << 20, Files.size(first), "created at full size");
    long end = journalBytes(first);
    try (var ch = java.nio.channels.FileChannel.open(first, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("{\"request_id\":\"half".getBytes(StandardCharsets.UTF_8)), end);
    }
    try (UsageJournal journal = new UsageJournal(crashed, 1 << 20)) {
      journal.open();
      assertEquals(end + 19, journal.segments().get(0).bytes(), "the data ends at the last byte that is not zero");
      append(journal, lines(records.subList(0, 2)));
      List<UsageRecord> expected = new ArrayList<>(records);
      expected.addAll(records.subList(0, 2));
      assertEquals(expected, drain(new JournalCursor(journal, 4096), 7));
    }
    Path last;
    try (var files = Files.list(crashed)) {
      last = files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().reduce((a, b) -> b).orElseThrow();
    }
    assertTrue(Files.size(last) > 0 && Files.size(last) == journalBytes(last), "a clean close cuts the segment to its data, "
      + "and deletes the spare: " + last.getFileName() + " " + Files.size(last));
  }

  /** A segment file's data: up to its last byte that is not zero. */
  private static long journalBytes(Path segment) throws IOException {
    byte[] content = Files.readAllBytes(segment);
    int end = content.length;
    while (end > 0 && content[end - 1] == 0) {
      end--;
    }
    return end;
  }

  @Test
  void aWriteIsReadableAtOnceAndSyncedByTheNextSyncEvenAcrossARotation() throws IOException {
    List<UsageRecord> records = TestRecords.generate(40, 4, "s-");
    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      long end = append(journal, lines(records.subList(0, 20)));
      assertEquals(end, journal.writtenPosition());
      assertEquals(0, journal.syncedPosition(), "written, not synced");
      JournalCursor cursor = new JournalCursor(journal, 1 << 16);
      assertEquals(records.subList(0, 20), drain(cursor, 100), "the cursor reads what is written, synced or not");

      journal.rotate();
      long end2 = append(journal, lines(records.subList(20, 40)));
      assertEquals(end2, journal.sync(), "one sync covers the closed segment and the current one");
      assertEquals(end2, journal.syncedPosition());
      assertEquals(end2, journal.sync(), "nothing new: nothing to do");
      assertEquals(records.subList(20, 40), drain(cursor, 100));
    }
  }

  @Test
  void oneJournalPerFolder() throws IOException {
    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      UsageJournal second = new UsageJournal(dir, 1 << 20);
      IOException e = assertThrows(IOException.class, second::open);
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void anEmptySegmentIsNotRotatedAndTheOpenOneCannotBeDeleted() throws IOException {
    try (UsageJournal journal = new UsageJournal(dir, 1 << 20)) {
      journal.open();
      journal.rotate();
      assertEquals(1, journal.segments().size());
      long id = journal.segments().get(0).id();
      assertThrows(IllegalStateException.class, () -> journal.delete(id));
      append(journal, lines(TestRecords.generate(1, 3, "r-")));
      assertTrue(journal.rotateIf(1, Long.MAX_VALUE));
      assertEquals(2, journal.segments().size());
    }
  }
}
