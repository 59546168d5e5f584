package io.switchboard.usage.journal;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit into the journal: records that arrive while an fsync is under way wait and go together in the
 * next one, so one fsync acknowledges many records and a busy router pays for few of them. Each record's
 * future completes only once its batch is on disk. Call from one event-loop context (the usage verticle's).
 */
public final class GroupCommitter {

  private static final Logger LOG = System.getLogger(GroupCommitter.class.getName());

  private record Pending(byte[] line, Promise<Void> promise) {
  }

  private final UsageJournal journal;
  private final WorkerExecutor journalThread;
  private final int maxBatch;
  private final int maxPending;
  private final Runnable onDurable;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean flushing;
  private long committed;

  /**
   * @param journalThread a single-thread executor: every journal write goes through it, in order
   * @param maxBatch      records per fsync at most
   * @param maxPending    records waiting at most; beyond it new ones are refused (the disk cannot keep up)
   * @param onDurable     told after every fsync (the shipper wakes up)
   */
  public GroupCommitter(UsageJournal journal, WorkerExecutor journalThread, int maxBatch, int maxPending, Runnable onDurable) {
    this.journal = journal;
    this.journalThread = journalThread;
    this.maxBatch = maxBatch;
    this.maxPending = maxPending;
    this.onDurable = onDurable;
  }

  /** Completes once {@code record} is fsynced in the journal; fails with 503 when the journal cannot take it. */
  public Future<Void> append(UsageRecord record) {
    if (pending.size() >= maxPending) {
      return Future.failedFuture(new MeshException(ErrorCode.UNAVAILABLE,
        "usage journal is " + pending.size() + " records behind; record " + record.requestId() + " refused"));
    }
    Promise<Void> p = Promise.promise();
    pending.add(new Pending(record.toJson().encode().getBytes(StandardCharsets.UTF_8), p));
    if (!flushing) {
      flush();
    }
    return p.future();
  }

  private void flush() {
    List<Pending> batch = new ArrayList<>(Math.min(pending.size(), maxBatch));
    while (!pending.isEmpty() && batch.size() < maxBatch) {
      batch.add(pending.poll());
    }
    if (batch.isEmpty()) {
      return;
    }
    flushing = true;
    List<byte[]> lines = new ArrayList<>(batch.size());
    batch.forEach(b -> lines.add(b.line()));
    journalThread.executeBlocking(() -> {
      journal.append(lines);
      return null;
    }, true).onComplete(ar -> {
      flushing = false;
      if (ar.succeeded()) {
        committed += batch.size();
        batch.forEach(b -> b.promise().complete());
        onDurable.run();
      } else {
        LOG.log(Level.ERROR, "usage journal write failed: " + ar.cause().getMessage());
        MeshException e = new MeshException(ErrorCode.UNAVAILABLE, "usage journal write failed: " + ar.cause().getMessage());
        batch.forEach(b -> b.promise().fail(e));
      }
      flush();
    });
  }

  /** Records fsynced since start. */
  public long committed() {
    return committed;
  }

  /** Records waiting for an fsync. */
  public int waiting() {
    return pending.size();
  }
}
