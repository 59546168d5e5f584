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
 * Puts usage records in the journal. With {@link UsageDurability#PROCESS} (and {@code appendOnCaller}) a record is
 * written on the caller's thread, an event loop's: encoded ({@link JournalLines}) and copied into the journal's mapped
 * segment ({@link UsageJournal#tryWrite}: no system call, no wait), then confirmed at once, so an answer waits for no
 * other thread. Otherwise, or when the journal has no room mapped for it, {@link #append} only queues, and a thread of
 * its own takes everything queued, validates and encodes it, writes it, and confirms each entry (a record, or a batch
 * with one confirmation): at once with {@code PROCESS}, or once the {@link JournalSyncer} has fsynced past it with
 * {@link UsageDurability#MACHINE}. Records queued while a write is under way go together in the next one. Either way
 * each write's records go to the {@link JournalTail} in the journal's order.
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
  /** The caller's thread writes (durability process): no hand-off to this writer's thread. */
  private final boolean onCaller;
  /** A write and its tail entry together, so the tail keeps the journal's order whichever thread writes. */
  private final Object appendLock = new Object();
  private final ThreadLocal<JournalLines> callerLines = ThreadLocal.withInitial(() -> new JournalLines(8 * 1024));
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean parked;

  /**
   * @param durability {@code MACHINE} confirms after the fsync, anything else after the write
   * @param appendOnCaller with {@code PROCESS}: write on the caller's thread when the journal has room mapped
   * @param maxBatch   records per write at most
   * @param maxWaiting records queued at most; beyond it new ones are refused (the disk cannot keep up)
   * @param onWritten  told on this writer's thread after each write (the shipper may have work)
   * @param tail       given each write's records (for the shipper), or null
   */
  public JournalWriter(UsageJournal journal, JournalSyncer syncer, UsageDurability durability, boolean appendOnCaller,
                       int maxBatch, int maxWaiting, Runnable onWritten, JournalTail tail) {
    this.journal = journal;
    this.syncer = syncer;
    this.waitForSync = durability == UsageDurability.MACHINE;
    this.onCaller = appendOnCaller && !waitForSync;
    this.maxBatch = maxBatch;
    this.maxWaiting = maxWaiting;
    this.onWritten = onWritten;
    this.tail = tail;
    this.thread = Thread.ofPlatform().name("ledger-writer").daemon().unstarted(this::run);
  }

  public void start() {
    thread.start();
  }

  /**
   * Writes or queues {@code json} (a usage record); {@code confirmation} is told on the caller's thread when written
   * there, else on the writer's or the syncer's thread.
   */
  public void append(JsonObject json, Confirmation confirmation) {
    if (onCaller && !stopping) {
      List<UsageRecord> one;
      try {
        one = List.of(UsageRecord.fromJson(json));
      } catch (RuntimeException bad) {
        confirmation.done(MeshException.invalid(null, bad.getMessage()));
        return;
      }
      if (writeNow(one)) {
        confirmation.done(null);
        return;
      }
    }
    queue(json, 1, confirmation);
  }

  /** Writes or queues the records of {@code batch}; {@code confirmation} is told once, for all of them. */
  public void append(UsageBatch batch, Confirmation confirmation) {
    if (onCaller && !stopping && writeNow(batch.records())) {
      confirmation.done(null);
      return;
    }
    queue(batch, batch.records().size(), confirmation);
  }

  /** Writes {@code records} on this thread if the journal has room mapped for them (else false: queue them). */
  private boolean writeNow(List<UsageRecord> records) {
    JournalLines lines = callerLines.get();
    lines.begin();
    records.forEach(lines::add);
    ByteBuffer bytes = lines.finishBuffer();
    try {
      synchronized (appendLock) {
        if (keep(journal.tryWrite(bytes), records) == null) {
          return false;
        }
      }
    } catch (RuntimeException | InternalError e) {
      // Closed meanwhile, or a page of the mapping that faulted (the JVM's InternalError): nothing was confirmed and
      // the position did not move; the writer's thread tries it and reports what fails.
      return false;
    }
    written.addAndGet(records.size());
    syncer.written();
    onWritten.run();
    return true;
  }

  /** Hands a write's records to the tail (in the journal's order: under the append lock); returns {@code w}. */
  private UsageJournal.Written keep(UsageJournal.Written w, List<UsageRecord> records) {
    if (w != null && tail != null) {
      tail.add(new JournalTail.Write(w.segmentId(), w.start(), w.end(), List.copyOf(records)));
    }
    return w;
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
    ByteBuffer buf = lines.finishBuffer();
    UsageJournal.Written w;
    try {
      w = writeWaiting(buf, records);
    } catch (IOException | RuntimeException | InternalError err) {
      LOG.log(Level.ERROR, "usage journal write failed: " + err.getMessage());
      MeshException failure = new MeshException(ErrorCode.UNAVAILABLE, "usage journal write failed: " + err.getMessage());
      valid.forEach(v -> v.confirmation().done(failure));
      return;
    }
    written.addAndGet(records.size());
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

  /** Writes on this writer's thread, preparing the journal's next segment first when it has no room mapped. */
  private UsageJournal.Written writeWaiting(ByteBuffer buf, List<UsageRecord> records) throws IOException {
    while (true) {
      synchronized (appendLock) {
        UsageJournal.Written w = keep(journal.tryWrite(buf), records);
        if (w != null) {
          return w;
        }
      }
      journal.prepareSpare(buf.remaining());
    }
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
