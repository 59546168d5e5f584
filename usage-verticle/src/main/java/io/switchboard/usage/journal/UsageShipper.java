package io.switchboard.usage.journal;

import io.switchboard.usage.store.SchemaGate;
import io.switchboard.usage.store.StagingStore;
import io.switchboard.usage.store.UsageStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves journaled records into the store, off the requests' path: reads a batch at the journal cursor, inserts
 * it (insert-if-absent, so replays are harmless), advances, and deletes journal segments once the store has
 * synced them. When the store is down or full it retries with exponential backoff while the journal keeps taking
 * records; it catches up when the store returns. The schema is migrated on the first success, so a store that is
 * down at start delays nothing but the writes. Runs on the usage verticle's event loop (only {@link #nudge} may be
 * called from elsewhere); file reads go to their own worker thread and journal rotation to the journal's.
 */
public final class UsageShipper {

  private static final Logger LOG = System.getLogger(UsageShipper.class.getName());

  /**
   * Tuning, read from the {@code usage:} conf slice by the verticle. {@code lingerMs}: how long new records wait to
   * be shipped together (each insert transaction has a fixed cost: fewer, larger ones take less CPU); 0 ships at once.
   * {@code stageMs}: with a {@link StagingStore}, how often the records written meanwhile are added to the open insert;
   * 0 gives it whole batches. The open insert commits once it is {@code lingerMs} old and holds {@code lingerRecords},
   * or once it is {@code maxLingerMs} old, or holds a full batch: a commit's cost is mostly fixed (DuckDB: ~5 ms of CPU
   * whether it holds 100 records or 1,000), so at a few hundred records a second one every {@code lingerMs} cost more
   * CPU a record than the records themselves, while at thousands a second the count is reached within the linger.
   * Once an insert is open, records are added to it when {@code stageRecords} wait in the journal's tail or when it is
   * to commit: each addition wakes the store's thread, which at a few hundred records a second happened every few.
   */
  public record Options(int batchSize, long retryMinMs, long retryMaxMs, long idleCheckMs, long rotateBytes, long rotateAgeMs,
                        long lingerMs, long stageMs, int lingerRecords, long maxLingerMs, int stageRecords) {
  }

  private enum Step { FULL, MORE, IDLE }

  private final Vertx vertx;
  private final Context context;
  private final JournalCursor cursor;
  private final UsageJournal journal;
  private final UsageStore store;
  private final SchemaGate schema;
  private final WorkerExecutor readerThread;
  private final WorkerExecutor journalThread;
  private final Options options;

  private boolean running;
  private boolean wakeRequested;
  private boolean stopped;
  private long timerId = -1;
  private boolean lingering;
  private int failures;
  private String lastError;
  private long attempted;
  private Promise<Void> stopPromise;
  /** Records were written since the last read began: caught up is not idle yet. */
  private volatile boolean fresh;
  /** Waiting for the idle check: only then does a write need to wake the shipper. */
  private volatile boolean idle;
  private final AtomicBoolean nudged = new AtomicBoolean();
  /** The batch after the last one stored, read while it was stored; null when none is under way. */
  private Future<JournalCursor.Batch> readAhead;
  /** The store takes records as they come and commits them later; null when it takes whole batches. */
  private final StagingStore staging;
  /** Where the records staged and not committed yet end (no records: a position); null when none are staged. */
  private JournalCursor.Batch staged;
  private int stagedCount;
  private long stagedSinceMs;

  /** {@code tail}: the journal writer's latest writes in memory (read from there rather than from the file), or null. */
  public UsageShipper(Vertx vertx, UsageJournal journal, JournalTail tail, UsageStore store, SchemaGate schema,
                      WorkerExecutor readerThread, WorkerExecutor journalThread, Options options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.schema = schema;
    this.journal = journal;
    // About 500 bytes a record: a full batch fits in one read.
    this.cursor = new JournalCursor(journal, tail, (int) Math.min(16L << 20, Math.max(1L << 20, options.batchSize() * 768L)));
    this.store = store;
    this.readerThread = readerThread;
    this.journalThread = journalThread;
    this.options = options;
    this.staging = options.stageMs() > 0 && store instanceof StagingStore s ? s : null;
  }

  /**
   * From any thread (the journal writer's): new records are in the journal. Costs a volatile write while the shipper
   * is busy anyway; only an idle shipper is woken, on its own context.
   */
  public void nudge() {
    fresh = true;
    if (idle && nudged.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        nudged.set(false);
        wake();
      });
    }
  }

  /** New records are in the journal: ship them soon. On the shipper's context. */
  public void wake() {
    if (stopped) {
      return;
    }
    idle = false;
    if (running) {
      wakeRequested = true;
      return;
    }
    // While backing off after a failure, a new record does not cut the wait short.
    if (failures == 0 && !lingering) {
      linger();
    }
  }

  /**
   * Ships after the linger, so that the records arriving meanwhile go in the same insert; a staging store is given
   * them every {@code stageMs} meanwhile.
   */
  private void linger() {
    long wait = options.lingerMs();
    if (staging != null) {
      long commitAt = stagedSinceMs + (stagedCount + Math.max(0, cursor.keptRecords()) >= options.lingerRecords()
        ? options.lingerMs() : options.maxLingerMs());
      wait = staged == null ? Math.min(wait, options.stageMs())
        : Math.min(options.stageMs(), commitAt - System.currentTimeMillis());
    }
    if (wait <= 0) {
      cancelTimer();
      pump();
      return;
    }
    schedule(wait);
    lingering = true;
  }

  public void start() {
    pump();
  }

  private void pump() {
    if (stopped || running) {
      return;
    }
    running = true;
    wakeRequested = false;
    idle = false;
    fresh = false;
    schema.ready().compose(v -> step()).onComplete(ar -> {
      running = false;
      if (stopped) {
        stopPromise.tryComplete();
        return;
      }
      if (ar.failed()) {
        failures++;
        long delay = Math.min(options.retryMaxMs(), options.retryMinMs() << Math.min(failures - 1, 20));
        String msg = String.valueOf(ar.cause().getMessage());
        if (failures == 1 || !msg.equals(lastError) || failures % 20 == 0) {
          LOG.log(Level.WARNING, "usage store ({0}) unavailable, records stay in the journal; retry {1} in {2} ms: {3}",
            store.kind(), failures, delay, msg);
        }
        lastError = msg;
        schedule(delay);
      } else {
        if (failures > 0) {
          LOG.log(Level.INFO, "usage store ({0}) is back after {1} failed attempts; catching up from the journal",
            store.kind(), failures);
        }
        failures = 0;
        lastError = null;
        if (ar.result() == Step.FULL) {
          vertx.runOnContext(v -> pump());
        } else if (ar.result() == Step.MORE || wakeRequested) {
          linger();
        } else {
          goIdle();
        }
      }
    });
  }

  /** Caught up: wait for the idle check, unless a write came in meanwhile (then it is shipped after the linger). */
  private void goIdle() {
    idle = true;
    // After announcing idle: a write from now on nudges; one before it is seen here.
    if (fresh) {
      idle = false;
      linger();
    } else {
      schedule(options.idleCheckMs());
    }
  }

  /**
   * Stores the next batch. After a full batch the one after it is read (and parsed) while this one is stored, so that
   * catching up keeps the reader thread and the store's writer busy at the same time.
   */
  private Future<Step> step() {
    if (staging != null) {
      return stageStep();
    }
    Future<JournalCursor.Batch> next = readAhead != null ? readAhead : read(null);
    readAhead = null;
    return next.compose(batch -> {
      if (batch.isEmpty()) {
        cursor.advance(batch);
        return idle().map(Step.IDLE);
      }
      attempted += batch.records().size();
      boolean full = batch.records().size() >= options.batchSize();
      Future<JournalCursor.Batch> ahead = full ? read(batch) : null;
      return store.insert(batch.records())
        .onFailure(e -> readAhead = null)
        .compose(v -> {
          cursor.advance(batch);
          readAhead = ahead;
          return cleanup();
        }).map(full ? Step.FULL : Step.MORE);
    });
  }

  /**
   * Adds the records written since the last step to the staging store's open insert, and commits it when
   * {@link #commitDue} or once it holds a full batch; the cursor moves only at a commit. A failure lets go of everything
   * staged: the next step reads it again from the cursor (the journal file).
   */
  private Future<Step> stageStep() {
    int waiting = cursor.keptRecords();
    if (staged != null && waiting > 0 && waiting < options.stageRecords()
      && !commitDue(System.currentTimeMillis() - stagedSinceMs, stagedCount + waiting)) {
      // A few records in the tail: they wait for more, or for the commit (the tail holds the writes from the cursor on).
      return Future.succeededFuture(Step.MORE);
    }
    // What the tail holds is taken here, on the shipper's event loop: a hand-off to the reader thread every stage was
    // most of that thread's CPU (bench/gateway.sh, ledger-reader 5-6 us a request at 2,000 req/s).
    JournalCursor.Batch kept = cursor.readKept(staged, options.batchSize());
    return (kept != null ? Future.succeededFuture(kept) : read(staged)).compose(batch -> {
      Future<Void> added = Future.succeededFuture();
      if (batch.isEmpty()) {
        if (staged == null) {
          cursor.advance(batch);
          return idle().map(Step.IDLE);
        }
      } else {
        attempted += batch.records().size();
        if (staged == null) {
          stagedSinceMs = System.currentTimeMillis();
        }
        stagedCount += batch.records().size();
        added = staging.stage(batch.records());
      }
      // A position only: the records are the store's now, and the tail lets go of them at once.
      JournalCursor.Batch at = new JournalCursor.Batch(List.of(), batch.segmentId(), batch.offset());
      return added.compose(v -> {
        staged = at;
        cursor.letGo(at);
        boolean full = stagedCount >= options.batchSize();
        if (!full && !commitDue(System.currentTimeMillis() - stagedSinceMs, stagedCount)) {
          return Future.succeededFuture(Step.MORE);
        }
        return commitStaged().map(full ? Step.FULL : Step.MORE);
      });
    }).onFailure(e -> {
      staged = null;
      stagedCount = 0;
    });
  }

  /** Whether the open insert, {@code ageMs} old with {@code records}, commits now. */
  private boolean commitDue(long ageMs, int records) {
    return records >= options.batchSize() || ageMs >= options.maxLingerMs()
      || ageMs >= options.lingerMs() && records >= options.lingerRecords();
  }

  /** Commits what is staged and moves the cursor past it. */
  private Future<Void> commitStaged() {
    JournalCursor.Batch done = staged;
    return staging.commitStaged().compose(v -> {
      cursor.advance(done);
      staged = null;
      stagedCount = 0;
      return cleanup();
    });
  }

  /** The batch after {@code previous}, or at the cursor when null, read on the reader thread. */
  private Future<JournalCursor.Batch> read(JournalCursor.Batch previous) {
    return readerThread.executeBlocking(() -> previous == null ? cursor.read(options.batchSize())
      : cursor.readAfter(previous, options.batchSize()), true);
  }

  /** Caught up: close the current segment once it is big or old enough, so the journal empties when idle. */
  private Future<Void> idle() {
    return journalThread.executeBlocking(() -> journal.rotateIf(options.rotateBytes(), options.rotateAgeMs()), true)
      .compose(rotated -> cleanup());
  }

  /** Deletes the segments wholly stored, after the store made them durable. */
  private Future<Void> cleanup() {
    List<Long> done = cursor.consumedSegments();
    if (done.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.sync().compose(v -> readerThread.executeBlocking(() -> {
      cursor.closeChannel();
      for (long id : done) {
        journal.delete(id);
      }
      return null;
    }, true)).mapEmpty();
  }

  private void schedule(long delayMs) {
    cancelTimer();
    timerId = vertx.setTimer(Math.max(1, delayMs), id -> {
      timerId = -1;
      lingering = false;
      pump();
    });
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    lingering = false;
  }

  /** Stops after the batch under way; what is not stored stays in the journal for the next start. */
  public Future<Void> stop() {
    stopped = true;
    cancelTimer();
    stopPromise = Promise.promise();
    if (!running) {
      stopPromise.complete();
    }
    return stopPromise.future()
      // What is staged goes in now rather than at the next start (it is in the journal either way).
      .compose(v -> staged == null ? Future.<Void>succeededFuture() : commitStaged().recover(e -> {
        LOG.log(Level.WARNING, "usage store ({0}): the last records stay in the journal for the next start: {1}",
          store.kind(), e.getMessage());
        return Future.succeededFuture();
      }))
      .eventually(() -> readerThread.executeBlocking(() -> {
      cursor.closeChannel();
      return null;
    }, true));
  }

  /** For the status op and tests: whether the store has taken everything journaled, and why not. */
  public JsonObject status() {
    long backlog = cursor.backlogBytes();
    return new JsonObject()
      .put("store", store.kind())
      .put("store_ready", schema.isReady() && failures == 0)
      .put("failures", failures)
      .put("last_error", lastError)
      .put("backlog_bytes", backlog)
      .put("caught_up", backlog == 0 && failures == 0 && schema.isReady())
      .put("journal_segments", journal.segments().size())
      .put("records_shipped", attempted);
  }
}
