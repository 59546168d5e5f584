package io.switchboard.usage.journal;

import io.switchboard.api.UsageRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of the journal's latest writes, kept in memory as the writer had them, so that the shipper takes them
 * from here instead of reading back and parsing what was written a moment ago (that took a third of the ledger's CPU
 * per record). Only a read cache: each entry names the bytes of the journal it stands for, the file stays the record
 * of truth, and whatever is not here (a restart, a shipper far behind, a write it has not seen yet) is read from the
 * file as before. Bounded: beyond {@code maxRecords} the oldest writes are let go. Thread-safe (the writer adds, the
 * shipper's reader takes).
 */
public final class JournalTail {

  /** One write: its records, in segment {@code segmentId} from byte {@code start} to {@code end}. */
  public record Write(long segmentId, long start, long end, List<UsageRecord> records) {
  }

  private final int maxRecords;
  private final ArrayDeque<Write> writes = new ArrayDeque<>();
  private int records;
  private long hits;

  public JournalTail(int maxRecords) {
    this.maxRecords = maxRecords;
  }

  /** The writer's latest write (in the order of the journal). */
  public synchronized void add(Write w) {
    writes.add(w);
    records += w.records().size();
    while (records > maxRecords && writes.size() > 1) {
      records -= writes.poll().records().size();
    }
  }

  /**
   * The records written from byte {@code offset} of segment {@code segmentId} on, whole writes up to
   * {@code maxRecords} (at least one write), as a batch ending where the last of them ends; null when no write kept
   * here begins there. Writes before that position are let go: the shipper has them.
   */
  synchronized JournalCursor.Batch take(long segmentId, long offset, int maxRecords) {
    release(segmentId, offset);
    Write first = writes.peek();
    if (first == null || first.segmentId() != segmentId || first.start() != offset) {
      return null;
    }
    List<UsageRecord> out = new ArrayList<>();
    long end = offset;
    for (Write w : writes) {
      if (w.segmentId() != segmentId || w.start() != end || (!out.isEmpty() && out.size() + w.records().size() > maxRecords)) {
        break;
      }
      out.addAll(w.records());
      end = w.end();
    }
    hits += out.size();
    return new JournalCursor.Batch(out, segmentId, end);
  }

  /**
   * The store has the records before byte {@code offset} of segment {@code segmentId}: their writes are let go now,
   * not at the next {@link #take} a linger later, so that records live on the heap only until their insert (kept a
   * linger longer, they outlived more young collections and were promoted).
   */
  synchronized void release(long segmentId, long offset) {
    while (!writes.isEmpty() && before(writes.peek(), segmentId, offset)) {
      records -= writes.poll().records().size();
    }
  }

  /**
   * Where the first write kept here after byte {@code offset} of segment {@code segmentId} begins, or -1: a read of
   * the file from {@code offset} stops there, so that the next read starts where this tail can take over.
   */
  synchronized long nextStart(long segmentId, long offset) {
    for (Write w : writes) {
      if (w.segmentId() == segmentId && w.start() > offset) {
        return w.start();
      }
      if (w.segmentId() > segmentId) {
        return -1;
      }
    }
    return -1;
  }

  private static boolean before(Write w, long segmentId, long offset) {
    return w.segmentId() < segmentId || (w.segmentId() == segmentId && w.end() <= offset);
  }

  /** Records held here now. */
  synchronized int kept() {
    return records;
  }

  /** Records the shipper took from memory since start (the rest it read from the file). */
  public synchronized long hits() {
    return hits;
  }
}
