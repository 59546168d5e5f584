package io.switchboard.usage.journal;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageDurability;
import io.switchboard.api.UsageRecord;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts usage records in the journal on a thread of its own, so that neither the encoding nor the write system call
 * runs on an event loop: {@link #append} only queues. The thread takes everything queued, validates and encodes it
 * ({@link JournalLines}), writes it with one system call, hands the records to the {@link JournalTail} and then
 * confirms each entry (a record, or a batch with one confirmation): at once with {@link UsageDurability#PROCESS} (the
 * write is in the page cache), or once the {@link JournalSyncer} has fsynced past it with
 * {@link UsageDurability#MACHINE}. Records queued while a write is under way go together in the next one.
 */
public final class JournalWriter {

  private static final Logger LOG = System.getLogger(JournalWriter.class.getName());

  /** Told once a record is in the journal at the configured durability (null), or why not. */
  @FunctionalInterface
  public interface Confirmation {
    void done(MeshException failure);
  }

  /** One record as JSON (to validate), or a batch of valid records ({@code count} of them), with one confirmation. */
  private record Entry(Object body, int count, Confirmation confirmation) {
  }

  private final UsageJournal journal;
  private final JournalSyncer syncer;
  private final boolean waitForSync;
  private final int maxBatch;
  private final int maxWaiting;
  private final Runnable onWritten;
  private final JournalTail tail;
  private final JournalLines lines = new JournalLines();
  private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong written = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean parked;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

  /**
   * @param durability {@code MACHINE} confirms after the fsync, anything else after the write
   * @param maxBatch   records per write at most
   * @param maxWaiting records queued at most; beyond it new ones are refused (the disk cannot keep up)
   * @param onWritten  told on this writer's thread after each write (the shipper may have work)
   * @param tail       given each write's records (for the shipper), or null
   */
  public JournalWriter(UsageJournal journal, JournalSyncer syncer, UsageDurability durability, int maxBatch, int maxWaiting,
                       Runnable onWritten, JournalTail tail) {
    this.journal = journal;
    this.syncer = syncer;
    this.waitForSync = durability == UsageDurability.MACHINE;
    this.maxBatch = maxBatch;
    this.maxWaiting = maxWaiting;
    this.onWritten = onWritten;
    this.tail = tail;
    this.thread = Thread.ofPlatform().name("ledger-writer").daemon().unstarted(this::run);
  }

  public void start() {
    thread.start();
  }

  /** Queues {@code json} (a usage record); {@code confirmation} is told on the writer's or the syncer's thread. */
  public void append(JsonObject json, Confirmation confirmation) {
    queue(json, 1, confirmation);
  }

  /** Queues the records of {@code batch}; {@code confirmation} is told once, for all of them. */
  public void append(UsageBatch batch, Confirmation confirmation) {
    queue(batch, batch.records().size(), confirmation);
  }

  private void queue(Object body, int count, Confirmation confirmation) {
    if (stopping) {
      confirmation.done(new MeshException(ErrorCode.UNAVAILABLE, "usage ledger is stopping"));
      return;
    }
    if (queued.addAndGet(count) > maxWaiting) {
      queued.addAndGet(-count);
      confirmation.done(new MeshException(ErrorCode.UNAVAILABLE,
        "usage journal is " + maxWaiting + " records behind; record refused"));
      return;
    }
    queue.add(new Entry(body, count, confirmation));
    if (parked) {
      LockSupport.unpark(thread);
    }
  }

  private void run() {
    List<Entry> batch = new ArrayList<>();
    List<UsageRecord> records = new ArrayList<>();
    while (true) {
      Entry e = queue.poll();
      if (e == null) {
        if (stopping) {
          return;
        }
        parked = true;
        // Checked again after announcing the park: an append in between has either been seen or will unpark.
        if (queue.isEmpty() && !stopping) {
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        parked = false;
        continue;
      }
      int count = 0;
      do {
        batch.add(e);
        count += e.count();
      } while (count < maxBatch && (e = queue.poll()) != null);
      queued.addAndGet(-count);
      write(batch, records);
      batch.clear();
      records.clear();
    }
  }

  private void write(List<Entry> batch, List<UsageRecord> records) {
    List<Entry> valid = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (e.body() instanceof UsageBatch b) {
        records.addAll(b.records());
      } else {
        try {
          // Read to refuse what the cursor could not read back; written from the record read (the same JSON as
          // the record's own), so the tail's records are exactly what the file holds.
          records.add(UsageRecord.fromJson((JsonObject) e.body()));
        } catch (RuntimeException bad) {
          e.confirmation().done(MeshException.invalid(null, bad.getMessage()));
          continue;
        }
      }
      valid.add(e);
    }
    if (valid.isEmpty()) {
      return;
    }
    lines.begin();
    records.forEach(lines::add);
    byte[] bytes = lines.finish();
    ByteBuffer buf = buffer(bytes.length);
    buf.put(bytes).flip();
    UsageJournal.Written w;
    try {
      w = journal.write(buf);
    } catch (IOException | RuntimeException err) {
      LOG.log(Level.ERROR, "usage journal write failed: " + err.getMessage());
      MeshException failure = new MeshException(ErrorCode.UNAVAILABLE, "usage journal write failed: " + err.getMessage());
      valid.forEach(v -> v.confirmation().done(failure));
      return;
    }
    written.addAndGet(records.size());
    if (tail != null) {
      tail.add(new JournalTail.Write(w.segmentId(), w.start(), w.end(), List.copyOf(records)));
    }
    if (waitForSync) {
      List<Confirmation> waiting = new ArrayList<>(valid.size());
      valid.forEach(v -> waiting.add(v.confirmation()));
      syncer.confirmWhenSynced(w.position(), waiting);
    } else {
      syncer.written();
      valid.forEach(v -> v.confirmation().done(null));
    }
    onWritten.run();
  }

  private ByteBuffer buffer(int size) {
    if (buffer.capacity() < size) {
      buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
    }
    buffer.clear();
    return buffer;
  }

  /** Records written since start. */
  public long written() {
    return written.get();
  }

  /** Records queued for the next write. */
  public int queued() {
    return queued.get();
  }

  /** Writes what is queued, then ends the thread; records appended from now on are refused. */
  public void stop() throws InterruptedException {
    stopping = true;
    LockSupport.unpark(thread);
    thread.join();
    // Appended in the instant between the check in append and the writer's last look at the queue.
    MeshException stopped = new MeshException(ErrorCode.UNAVAILABLE, "usage ledger is stopping");
    for (Entry e; (e = queue.poll()) != null; ) {
      e.confirmation().done(stopped);
    }
  }
}
