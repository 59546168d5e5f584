package io.switchboard.usage.journal;

import io.switchboard.api.UsageRecord;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the journal in order from where the store left off, one batch at a time. The journal is the queue of
 * records waiting for the store, so nothing waits in memory and a restart simply starts over from the oldest
 * segment (the store skips what it has). What the writer wrote a moment ago comes from its {@link JournalTail} when
 * that holds the writes from the cursor's position on (the same records, not read back and parsed). Used from one
 * thread at a time.
 */
public final class JournalCursor {

  private static final Logger LOG = System.getLogger(JournalCursor.class.getName());

  /** Records read and the position just after them; {@link #advance} to it once they are stored. */
  public record Batch(List<UsageRecord> records, long segmentId, long offset) {
    public boolean isEmpty() {
      return records.isEmpty();
    }
  }

  private final UsageJournal journal;
  private final JournalTail tail;
  private final int maxBytes;
  private volatile long segmentId;
  private volatile long offset;
  private long openId = -1;
  private FileChannel open;

  /** {@code maxBytes}: at most this much is read per batch (a line longer than it is read whole anyway). */
  public JournalCursor(UsageJournal journal, int maxBytes) {
    this(journal, null, maxBytes);
  }

  /** {@code tail}: the writer's latest writes in memory, or null (everything is read from the file). */
  public JournalCursor(UsageJournal journal, JournalTail tail, int maxBytes) {
    this.journal = journal;
    this.tail = tail;
    this.maxBytes = maxBytes;
  }

  /** The next records after the cursor, at most {@code maxRecords}; empty when the store has caught up. */
  public Batch read(int maxRecords) throws IOException {
    return read(segmentId, offset, maxRecords);
  }

  /**
   * The records after {@code previous}, read ahead while {@code previous} is being stored (the cursor stays where it
   * is until {@link #advance}).
   */
  public Batch readAfter(Batch previous, int maxRecords) throws IOException {
    return read(previous.segmentId(), previous.offset(), maxRecords);
  }

  /**
   * The records after {@code previous} (at the cursor when null) when the tail holds the writes from there on, else
   * null (then {@link #read} or {@link #readAfter} reads). Touches no file and never blocks: for an event loop.
   */
  public Batch readKept(Batch previous, int maxRecords) {
    if (tail == null) {
      return null;
    }
    return previous == null ? tail.take(segmentId, offset, maxRecords)
      : tail.take(previous.segmentId(), previous.offset(), maxRecords);
  }

  /** Records the writer's tail holds (taken ones not yet let go included), or -1 without a tail. */
  public int keptRecords() {
    return tail == null ? -1 : tail.kept();
  }

  private Batch read(long segId, long off, int maxRecords) throws IOException {
    while (true) {
      UsageJournal.Segment seg = journal.segmentAtOrAfter(segId);
      if (seg == null) {
        return new Batch(List.of(), segId, off);
      }
      if (seg.id() != segId) {
        segId = seg.id();
        off = 0;
      }
      if (off >= seg.bytes()) {
        if (!seg.closed()) {
          return new Batch(List.of(), segId, off);
        }
        segId++;
        off = 0;
        continue;
      }
      long end = seg.bytes();
      if (tail != null) {
        Batch kept = tail.take(segId, off, maxRecords);
        if (kept != null) {
          return kept;
        }
        // Read up to where the tail's writes begin: from there on the next read takes them from memory.
        long next = tail.nextStart(segId, off);
        if (next > off && next < end) {
          end = next;
        }
      }
      Batch b = readFrom(seg, off, end, maxRecords);
      if (b.isEmpty() && b.offset() == off) {
        return b;
      }
      if (!b.isEmpty()) {
        return b;
      }
      // Only unreadable bytes (a torn tail): skip them and go on.
      segId = b.segmentId();
      off = b.offset();
    }
  }

  private Batch readFrom(UsageJournal.Segment seg, long off, long end, int maxRecords) throws IOException {
    FileChannel ch = channel(seg);
    int want = (int) Math.min(end - off, maxBytes);
    ByteBuffer buf = ByteBuffer.allocate(want);
    while (buf.hasRemaining()) {
      int n = ch.read(buf, off + buf.position());
      if (n < 0) {
        break;
      }
    }
    byte[] bytes = buf.array();
    int len = buf.position();
    List<UsageRecord> records = new ArrayList<>();
    int lineStart = 0;
    for (int i = 0; i < len && records.size() < maxRecords; i++) {
      if (bytes[i] == '\n') {
        parse(seg, off + lineStart, bytes, lineStart, i - lineStart, records);
        lineStart = i + 1;
      }
    }
    if (lineStart == 0 && len > 0) {
      if (want < end - off) {
        // One line longer than maxBytes: read up to its end.
        return readLongLine(seg, off, end, maxRecords);
      }
      if (seg.closed() && end == seg.bytes()) {
        LOG.log(Level.WARNING, "usage journal {0}: {1} bytes without a line end at its tail skipped (written but never acknowledged before a crash)",
          seg.path().getFileName(), len);
        return new Batch(List.of(), seg.id(), end);
      }
    }
    return new Batch(records, seg.id(), off + lineStart);
  }

  private Batch readLongLine(UsageJournal.Segment seg, long off, long end, int maxRecords) throws IOException {
    JournalCursor wide = new JournalCursor(journal, (int) Math.min(Integer.MAX_VALUE - 16, (long) maxBytes * 16));
    return wide.readFrom(seg, off, end, maxRecords);
  }

  private static void parse(UsageJournal.Segment seg, long at, byte[] bytes, int from, int length, List<UsageRecord> out) {
    // Zeros before a line: pages of a segment written back out of order before a crash of the machine (a segment is
    // created as zeros); never part of a record (JSON text holds no zero byte).
    while (length > 0 && bytes[from] == 0) {
      from++;
      length--;
    }
    if (length == 0) {
      return;
    }
    try {
      out.add(UsageRecord.fromJson(new JsonObject(new String(bytes, from, length, StandardCharsets.UTF_8))));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "usage journal {0}: unreadable record at byte {1} skipped: {2}",
        seg.path().getFileName(), at, e.getMessage());
    }
  }

  private FileChannel channel(UsageJournal.Segment seg) throws IOException {
    if (openId != seg.id()) {
      closeChannel();
      open = FileChannel.open(seg.path(), StandardOpenOption.READ);
      openId = seg.id();
    }
    return open;
  }

  /** Moves past a batch the store has taken (the tail lets its records go). */
  public void advance(Batch b) {
    segmentId = b.segmentId();
    offset = b.offset();
    if (tail != null) {
      tail.release(b.segmentId(), b.offset());
    }
  }

  /**
   * The records up to {@code b}'s end are held elsewhere now (a staging store's open insert): the tail lets them go,
   * while the cursor stays where it is until {@link #advance}.
   */
  public void letGo(Batch b) {
    if (tail != null) {
      tail.release(b.segmentId(), b.offset());
    }
  }

  /** Closed segments wholly behind the cursor: their records are stored and they may go once the store syncs. */
  public List<Long> consumedSegments() {
    List<Long> out = new ArrayList<>();
    for (UsageJournal.Segment s : journal.segments()) {
      boolean behind = s.id() < segmentId || (s.id() == segmentId && offset >= s.bytes());
      if (s.closed() && behind) {
        out.add(s.id());
      }
    }
    return out;
  }

  /** Bytes in the journal not yet taken by the store. */
  public long backlogBytes() {
    long n = 0;
    for (UsageJournal.Segment s : journal.segments()) {
      if (s.id() > segmentId) {
        n += s.bytes();
      } else if (s.id() == segmentId) {
        n += Math.max(0, s.bytes() - offset);
      }
    }
    return n;
  }

  /** Releases the file the cursor holds open (a consumed segment may then be deleted). */
  public void closeChannel() throws IOException {
    if (open != null) {
      open.close();
      open = null;
      openId = -1;
    }
  }
}
