package io.switchboard.usage.journal;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.CallUsage;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Privacy;
import io.switchboard.api.UsageRecord;
import io.switchboard.usage.RecordJson;
import io.switchboard.usage.TestRecords;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.switchboard.usage.journal.CursorDrain.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal's lines and its tail in memory: a line is the record's own JSON, and the shipper's cursor gives the same
 * records in the same order whether it takes them from the tail, from the file, or from both (a tail that let the
 * oldest writes go).
 */
class JournalTailTest {

  @TempDir
  Path dir;

  private static List<UsageRecord> unusual() {
    Instant t = Instant.parse("2026-12-05T05:00:00.123456789Z");
    return List.of(
      UsageRecord.builder("plain").time(t).build(),
      UsageRecord.builder("quotes \"and\" \\ back\nslash\u2028").time(t).keyId("k_\u00e9t\u00e9 \ud83d\ude00").capability(Capability.CHAT)
        .backend("b\tack").model("m/\u0001").privacy(Privacy.LOCAL).tokens(1L << 40, 3).audioSeconds(0.1 + 0.2).characters(7)
        .latencyMs(12).firstByteMs(3).costUsd(1e-9).error(ErrorCode.UPSTREAM).build(),
      UsageRecord.builder("cached").time(t).capability(Capability.TRANSCRIBE).cache(CacheStatus.HIT).savedUsd(0.0125)
        .artifacts(ArtifactRefs.NONE.with(ArtifactKind.AUDIO_IN, "bafyaudio").with(ArtifactKind.TRANSCRIPT, "bafytext")).build(),
      UsageRecord.builder("call-1").time(t).call(new CallUsage("websocket", 61_000, 12.5, 30.25, 4, 1, Privacy.CLOUD, "hangup",
        List.of(new CallUsage.Stage("chat", 4, 1, List.of("openai", "local"), 0.004)))).build());
  }

  @Test
  void aLineIsTheRecordsOwnJson() {
    List<UsageRecord> records = new ArrayList<>(TestRecords.generate(200, 9, "l-"));
    records.addAll(unusual());
    JournalLines lines = new JournalLines();
    lines.begin();
    records.forEach(lines::add);
    assertEquals(records.size(), lines.lines());
    String text = new String(lines.finish(), StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\n"));
    String[] each = text.split("\n");
    assertEquals(records.size(), each.length, "one line per record: a newline inside a string is escaped");
    for (int i = 0; i < records.size(); i++) {
      JsonObject json = new JsonObject(each[i]);
      assertEquals(records.get(i).toJson(), json);
      assertEquals(records.get(i), UsageRecord.fromJson(json));
      if (records.get(i).route() != null) {
        assertEquals(records.get(i).route().toJson().encode(), RecordJson.route(records.get(i).route()), "the route column's text");
      }
      if (!records.get(i).artifacts().isEmpty()) {
        assertEquals(records.get(i).artifacts().toJson().encode(), RecordJson.artifacts(records.get(i).artifacts()),
          "the artifacts column's text");
      }
    }
    // The next write starts afresh.
    lines.begin();
    lines.add(records.get(0));
    assertEquals(records.get(0).toJson(), new JsonObject(new String(lines.finish(), StandardCharsets.UTF_8).trim()));
  }

  /** Writes as the journal writer does, in writes of {@code per} records, giving each to {@code tail}. */
  private static void write(UsageJournal journal, JournalTail tail, List<UsageRecord> records, int per) throws IOException {
    JournalLines lines = new JournalLines();
    for (int i = 0; i < records.size(); i += per) {
      List<UsageRecord> part = records.subList(i, Math.min(records.size(), i + per));
      lines.begin();
      part.forEach(lines::add);
      UsageJournal.Written w = journal.write(ByteBuffer.wrap(lines.finish()));
      tail.add(new JournalTail.Write(w.segmentId(), w.start(), w.end(), List.copyOf(part)));
    }
  }

  @Test
  void whatWasJustWrittenComesFromMemoryTheRestFromTheFile() throws IOException {
    List<UsageRecord> records = TestRecords.generate(600, 12, "m-");
    try (UsageJournal journal = new UsageJournal(dir, 32 * 1024)) {
      journal.open();
      // A tail of 100 records: the first 500 are read from the file, across rotations, the last writes from memory.
      JournalTail tail = new JournalTail(100);
      write(journal, tail, records, 7);
      assertTrue(journal.segments().size() > 3, "small segments rotate: " + journal.segments().size());
      JournalCursor cursor = new JournalCursor(journal, tail, 1 << 20);
      assertEquals(records, drain(cursor, 50));
      assertTrue(tail.hits() >= 90 && tail.hits() <= 100, "taken from memory: " + tail.hits());

      // Caught up: what is written next comes from memory only.
      List<UsageRecord> more = TestRecords.generate(40, 13, "n-");
      long before = tail.hits();
      write(journal, tail, more, 5);
      assertEquals(more, drain(cursor, 50));
      assertEquals(40, tail.hits() - before);

      // Another cursor (a restart) reads it all from the file: the same records.
      JournalCursor fromFile = new JournalCursor(journal, 1 << 20);
      List<UsageRecord> all = new ArrayList<>(records);
      all.addAll(more);
      assertEquals(all, drain(fromFile, 64));
    }
  }

  /** A journal holding {@code records} in writes of 10, with a tail of 1,000 records and a cursor over both. */
  private record Journaled(UsageJournal journal, JournalTail tail, JournalCursor cursor) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      journal.close();
    }
  }

  private Journaled journaled(List<UsageRecord> records) throws IOException {
    UsageJournal journal = new UsageJournal(dir, 1 << 20);
    journal.open();
    JournalTail tail = new JournalTail(1000);
    write(journal, tail, records, 10);
    return new Journaled(journal, tail, new JournalCursor(journal, tail, 1 << 20));
  }

  @Test
  void aBatchsRecordsAreLetGoOnceStoredNotAtTheNextRead() throws IOException {
    List<UsageRecord> records = TestRecords.generate(30, 15, "g-");
    try (Journaled j = journaled(records)) {
      JournalTail tail = j.tail();
      JournalCursor cursor = j.cursor();
      JournalCursor.Batch first = cursor.read(15);
      assertEquals(records.subList(0, 10), first.records());
      assertEquals(30, tail.kept(), "taken, not yet stored: kept for a failed insert's retry");
      cursor.advance(first);
      assertEquals(20, tail.kept(), "stored: the heap lets them go now, not a linger later");
      assertEquals(records.subList(10, 30), drain(cursor, 100));
      assertEquals(0, tail.kept());
    }
  }

  @Test
  void aReadAheadAndAFailedInsertRereadTheSameRecords() throws IOException {
    List<UsageRecord> records = TestRecords.generate(60, 14, "r-");
    try (Journaled j = journaled(records)) {
      JournalCursor cursor = j.cursor();
      JournalCursor.Batch first = cursor.read(25);
      assertEquals(records.subList(0, 20), first.records(), "whole writes, no more than asked");
      JournalCursor.Batch ahead = cursor.readAfter(first, 25);
      assertEquals(records.subList(20, 40), ahead.records());
      // The insert of the first batch failed: the cursor did not move, and the records come again (from the file:
      // the tail let them go when the read ahead passed them).
      assertEquals(first.records(), cursor.read(25).records());
      cursor.advance(first);
      assertEquals(records.subList(20, 60), drain(cursor, 100));
    }
  }
}
