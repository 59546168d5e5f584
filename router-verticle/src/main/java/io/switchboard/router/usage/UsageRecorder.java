package io.switchboard.router.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.Addresses;
import io.switchboard.api.MeshException;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageBatchCodec;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.usage.LocalJournal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends usage records to the ledger: to this node's journal when the node runs the ledger ({@link LocalJournal}: no
 * bus, no hop through the usage verticle's event loop on the answer's path), else over the cluster bus to one
 * elsewhere. The records finished in one turn of the caller's event loop go
 * together, as one {@link UsageBatch} on {@code switchboard.usage.batch} (one message and one reply for all of them,
 * no JSON); without a local consumer of batches each goes on its own, as JSON, on {@code switchboard.usage}. With
 * durable answers, {@link #send} completes once the ledger confirms the record (in its journal file, or fsynced: the
 * ledger's {@code usage.durability}), so the request's answer can wait for it. A record no ledger takes in time cannot be journaled anywhere: it is logged
 * (at most one line a second) and counted ({@link #lost()}, metric {@code switchboard_usage_records_lost_total}),
 * and the answer goes out anyway. Safe from any thread.
 */
public final class UsageRecorder {

  private static final Logger LOG = System.getLogger(UsageRecorder.class.getName());

  private final Vertx vertx;
  private final boolean durable;
  private final DeliveryOptions local;
  private final DeliveryOptions anywhere;
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong lastLogAt = new AtomicLong();
  private final AtomicLong unlogged = new AtomicLong();
  private final Counter lostMetric;
  private final Object lock = new Object();
  /** Records waiting for the end of this turn of the event loop; guarded by {@link #lock}. */
  private List<Pending> pending = new ArrayList<>();

  private record Pending(UsageRecord record, Promise<Void> confirmed) {
  }

  public UsageRecorder(Vertx vertx, boolean durable, long timeoutMs) {
    this.vertx = vertx;
    this.durable = durable;
    this.local = new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(true);
    this.anywhere = new DeliveryOptions().setSendTimeout(timeoutMs);
    UsageBatchCodec.register(vertx);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    this.lostMetric = registry == null ? null : Counter.builder("switchboard.usage.records.lost")
      .description("usage records no usage verticle confirmed in time (not journaled)").register(registry);
  }

  /** Completes when the caller may answer: at once without durable answers; never fails. */
  public Future<Void> send(UsageRecord record) {
    Promise<Void> confirmed = Promise.promise();
    boolean first;
    synchronized (lock) {
      first = pending.isEmpty();
      pending.add(new Pending(record, confirmed));
    }
    if (first) {
      // Runs after what this turn of the event loop is doing: the records finished meanwhile join the batch.
      vertx.getOrCreateContext().runOnContext(v -> flush());
    }
    return durable ? confirmed.future() : Future.succeededFuture();
  }

  private void flush() {
    List<Pending> batch;
    synchronized (lock) {
      batch = pending;
      pending = new ArrayList<>();
    }
    if (batch.isEmpty()) {
      return;
    }
    List<UsageRecord> records = new ArrayList<>(batch.size());
    batch.forEach(p -> records.add(p.record()));
    LocalJournal journal = LocalJournal.of(vertx);
    if (journal != null) {
      // This node's journal, without the bus: written on this thread (durability process), it confirms before append
      // returns and the answers go at once; else its writer tells us on its thread, and we complete on ours.
      Context context = vertx.getOrCreateContext();
      journal.append(new UsageBatch(records), failure -> {
        if (Vertx.currentContext() == context) {
          confirmed(failure, batch, records);
        } else {
          context.runOnContext(v -> confirmed(failure, batch, records));
        }
      });
      return;
    }
    overBus(batch, records);
  }

  private void confirmed(MeshException failure, List<Pending> batch, List<UsageRecord> records) {
    if (failure == null) {
      batch.forEach(p -> p.confirmed().complete());
    } else {
      // Refused (the ledger stops, or is too far behind): as on the bus, to whichever ledger takes it.
      overBus(batch, records);
    }
  }

  private void overBus(List<Pending> batch, List<UsageRecord> records) {
    vertx.eventBus().request(Addresses.USAGE_BATCH, new UsageBatch(records), local).onComplete(ar -> {
      if (ar.succeeded()) {
        batch.forEach(p -> p.confirmed().complete());
      } else if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
        batch.forEach(p -> sendOne(p.record()).onComplete(p.confirmed()));
      } else {
        batch.forEach(p -> {
          lost(p.record(), ar.cause());
          p.confirmed().complete();
        });
      }
    });
  }

  /** One record as JSON on {@code switchboard.usage}: to this node's ledger, else to one elsewhere. Never fails. */
  private Future<Void> sendOne(UsageRecord record) {
    JsonObject json = record.toJson();
    return vertx.eventBus().request(Addresses.USAGE, json, local)
      .recover(err -> err instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
        ? vertx.eventBus().request(Addresses.USAGE, json, anywhere) : Future.failedFuture(err))
      .<Void>mapEmpty()
      .recover(err -> {
        lost(record, err);
        return Future.succeededFuture();
      });
  }

  /** Records sent that no ledger confirmed. */
  public long lost() {
    return lost.get();
  }

  private void lost(UsageRecord record, Throwable err) {
    lost.incrementAndGet();
    if (lostMetric != null) {
      lostMetric.increment();
    }
    long now = System.currentTimeMillis();
    long last = lastLogAt.get();
    if (now - last >= 1000 && lastLogAt.compareAndSet(last, now)) {
      long more = unlogged.getAndSet(0);
      LOG.log(Level.ERROR, "usage record {0} (key {1}) not journaled: no usage verticle confirmed it ({2}){3}",
        record.requestId(), record.keyId(), err.getMessage(), more == 0 ? "" : "; " + more + " more lost since the last report");
    } else {
      unlogged.incrementAndGet();
    }
  }
}
