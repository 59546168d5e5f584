package io.switchboard.usage.journal;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of the journal on a thread of its own. Records whose answer waits for the disk
 * ({@link #confirmWhenSynced}) are fsynced at once, together with all that arrived during the previous fsync; other
 * writes are fsynced in the background at most {@code intervalMs} after they were written. A write never waits for
 * an fsync: {@link UsageJournal#sync} runs beside the writer. So without waiting records, a crash of the machine can
 * lose what was written in the last interval plus the fsync under way, and a crash of the process loses nothing.
 * After each fsync it prepares the journal's next segment if the last one was taken ({@link UsageJournal#prepareSpare}).
 */
public final class JournalSyncer {

  private static final Logger LOG = System.getLogger(JournalSyncer.class.getName());

  private record Waiting(long end, List<JournalWriter.Confirmation> confirmations) {
  }

  private final UsageJournal journal;
  private final long intervalNanos;
  private final Object lock = new Object();
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private final Thread thread;
  private boolean dirty;
  private boolean stopping;
  private long lastSyncNanos;
  private long maxSyncNanos;
  private long failures;
  /** The last preparation of a segment failed (on this thread only). */
  private boolean spareFailing;

  /** {@code intervalMs}: the longest a written record waits for its fsync when nothing waits for it. */
  public JournalSyncer(UsageJournal journal, long intervalMs) {
    this.journal = journal;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, intervalMs));
    this.thread = Thread.ofPlatform().name("ledger-fsync").daemon().unstarted(this::run);
  }

  public void start() {
    thread.start();
  }

  /** Something was written: fsync it within the interval. Cheap when already known. */
  public void written() {
    synchronized (lock) {
      if (!dirty) {
        dirty = true;
        lock.notifyAll();
      }
    }
  }

  /** Tells {@code confirmations} once the journal is fsynced up to {@code end} (a position from {@link UsageJournal#write}). */
  public void confirmWhenSynced(long end, List<JournalWriter.Confirmation> confirmations) {
    synchronized (lock) {
      waiting.add(new Waiting(end, confirmations));
      dirty = true;
      lock.notifyAll();
    }
  }

  private void run() {
    long lastStart = System.nanoTime();
    while (true) {
      boolean last;
      synchronized (lock) {
        try {
          while (!stopping && waiting.isEmpty()) {
            if (!dirty) {
              lock.wait();
              continue;
            }
            long due = lastStart + intervalNanos - System.nanoTime();
            if (due <= 0) {
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(lock, due);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        last = stopping;
        if (last && waiting.isEmpty() && !dirty) {
          return;
        }
        dirty = false;
      }
      lastStart = System.nanoTime();
      syncOnce(lastStart);
      if (last) {
        return;
      }
      prepareSpare();
    }
  }

  private void syncOnce(long start) {
    long synced;
    try {
      synced = journal.sync();
    } catch (IOException | RuntimeException e) {
      synchronized (lock) {
        failures++;
      }
      LOG.log(Level.ERROR, "usage journal fsync failed: " + e.getMessage());
      failWaiting(new MeshException(ErrorCode.UNAVAILABLE, "usage journal fsync failed: " + e.getMessage()));
      return;
    }
    long took = System.nanoTime() - start;
    List<JournalWriter.Confirmation> done = new ArrayList<>();
    synchronized (lock) {
      lastSyncNanos = took;
      maxSyncNanos = Math.max(maxSyncNanos, took);
      while (!waiting.isEmpty() && waiting.peek().end() <= synced) {
        done.addAll(waiting.poll().confirmations());
      }
    }
    done.forEach(c -> c.done(null));
  }

  /**
   * Prepares the journal's next segment while the current one fills, here rather than on an event loop (creating,
   * mapping and touching it are system calls and page faults): written records made this sync, so the segment they
   * went to may have used the spare up.
   */
  private void prepareSpare() {
    try {
      journal.prepareSpare(0);
      if (spareFailing) {
        spareFailing = false;
        LOG.log(Level.INFO, "usage journal: the next segment is prepared again");
      }
    } catch (IOException | RuntimeException | InternalError e) {
      // Once, not after every fsync: the writer's thread reports the writes that fail meanwhile.
      if (!spareFailing) {
        spareFailing = true;
        LOG.log(Level.ERROR, "usage journal: the next segment could not be prepared (writes go through the journal's "
          + "thread until it is): " + e.getMessage());
      }
    }
  }

  private void failWaiting(MeshException failure) {
    List<JournalWriter.Confirmation> failed = new ArrayList<>();
    synchronized (lock) {
      waiting.forEach(w -> failed.addAll(w.confirmations()));
      waiting.clear();
    }
    failed.forEach(c -> c.done(failure));
  }

  /** For the status op: how far behind the disk is and how long fsyncs take (the window a machine crash can lose). */
  public JsonObject status() {
    synchronized (lock) {
      long waitingRecords = 0;
      for (Waiting w : waiting) {
        waitingRecords += w.confirmations().size();
      }
      return new JsonObject()
        .put("unsynced_bytes", journal.writtenPosition() - journal.syncedPosition())
        .put("fsyncs", journal.syncCount())
        .put("fsync_failures", failures)
        .put("last_fsync_ms", lastSyncNanos / 1e6)
        .put("max_fsync_ms", maxSyncNanos / 1e6)
        .put("waiting_for_fsync", waitingRecords);
    }
  }

  /** Ends the thread after a last fsync of what was written (stop the writer first). */
  public void stop() throws InterruptedException {
    synchronized (lock) {
      stopping = true;
      lock.notifyAll();
    }
    thread.join();
  }
}
