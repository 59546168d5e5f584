package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.UsageBatchCodec;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.core.usage.LocalJournal;
import io.switchboard.usage.cluster.ClusterLedgers;
import io.switchboard.usage.journal.JournalSyncer;
import io.switchboard.usage.journal.JournalTail;
import io.switchboard.usage.journal.JournalWriter;
import io.switchboard.usage.journal.UsageJournal;
import io.switchboard.usage.journal.UsageRecordHandler;
import io.switchboard.usage.journal.UsageShipper;
import io.switchboard.usage.keys.KeyHandler;
import io.switchboard.usage.keys.KeyService;
import io.switchboard.usage.query.UsageQueryHandler;
import io.switchboard.usage.store.LedgerStore;
import io.switchboard.usage.store.SchemaGate;
import io.switchboard.usage.store.UsageStores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires the usage ledger: the store, the journal with its writer, background fsync and shipper, and the consumers of
 * {@code switchboard.usage}, {@code switchboard.usage.query} and {@code switchboard.keys}. Deploy one instance per
 * node (the journal folder is locked to one). Config: the {@code usage:} slice ({@link UsageConfig}).
 */
public final class UsageVerticle extends VerticleBase {

  private static final Logger LOG = System.getLogger(UsageVerticle.class.getName());

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private LedgerStore store;
  private UsageJournal journal;
  private WorkerExecutor journalThread;
  private WorkerExecutor readerThread;
  private UsageShipper shipper;
  private UsageQueryHandler queries;
  /** This node's router hands its records here ({@link LocalJournal}); the bus consumers stay for the others. */
  private LocalJournal local;
  private JournalSyncer syncer;
  private JournalWriter writer;
  private JournalTail tail;
  private KeyVerifier verifier;
  private ClusterLedgers cluster;

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    UsageBatchCodec.register(vertx);
    UsageConfig conf = UsageConfig.from(config(), System.getenv());
    conf.warnings().forEach(w -> LOG.log(Level.WARNING, w));
    journal = new UsageJournal(conf.journalDir(), conf.segmentBytes());
    journalThread = vertx.createSharedWorkerExecutor("ledger-journal-" + deploymentID(), 1);
    readerThread = vertx.createSharedWorkerExecutor("ledger-reader-" + deploymentID(), 1);
    ClusterLedgers.Store storeId = conf.postgresUrl() != null ? ClusterLedgers.Store.postgres(conf.postgresUrl())
      : ClusterLedgers.Store.embedded("duckdb", conf.duckdbPath());
    // One ledger per cluster (or all on one PostgreSQL) before anything is opened; then the journal: its lock says
    // whether this folder is ours before the store's files are opened.
    return ClusterLedgers.join(vertx, storeId)
      .compose(joined -> {
        cluster = joined;
        return journalThread.executeBlocking(() -> {
          journal.open();
          store = UsageStores.create(vertx, conf);
          return null;
        }, true);
      })
      .compose(v -> {
        SchemaGate schema = new SchemaGate(store);
        KeyService keys = new KeyService(vertx, store, schema::ready, conf.revocationTimeoutMs());
        return KeyVerifier.start(vertx, keys::lookup, conf.keyCacheTtlMs()).map(started -> {
          verifier = started;
          // Twice a shipper's batch: the writes of one linger and those of the insert under way.
          tail = new JournalTail(2 * conf.shipper().batchSize());
          shipper = new UsageShipper(vertx, journal, tail, store, schema, readerThread, journalThread, conf.shipper());
          syncer = new JournalSyncer(journal, conf.syncIntervalMs());
          writer = new JournalWriter(journal, syncer, conf.durability(), conf.appendOnCaller(), conf.writeMaxBatch(),
            conf.maxWaiting(), shipper::nudge, tail);
          syncer.start();
          writer.start();
          UsageRecordHandler records = new UsageRecordHandler(writer, conf.durability());
          // local_journal: false sends this node's records over the bus too, as before it (to compare the two).
          if (config().getBoolean("local_journal", true)) {
            JournalWriter w = writer;
            local = (batch, done) -> w.append(batch, done::accept);
            LocalJournal.register(vertx, local);
          }
          consumers.add(vertx.eventBus().consumer(Addresses.USAGE, records));
          consumers.add(vertx.eventBus().localConsumer(Addresses.USAGE_BATCH, records));
          queries = new UsageQueryHandler(vertx, store, schema, this::status);
          consumers.add(vertx.eventBus().consumer(Addresses.USAGE_QUERY, queries));
          consumers.add(vertx.eventBus().consumer(Addresses.KEYS, new KeyHandler(keys, verifier)));
          return null;
        });
      })
      .compose(v -> {
        List<Future<Void>> ready = new ArrayList<>();
        consumers.forEach(c -> ready.add(c.completion()));
        return Future.all(ready);
      })
      .onSuccess(v -> {
        shipper.start();
        LOG.log(Level.INFO, "usage ledger on {0} store, journal in {1}, durability {2}", store.kind(), conf.journalDir(),
          conf.durability().wireName());
      })
      // A verticle whose start failed is never stopped: let go of what it took (another node may use the folder).
      .recover(err -> stop().transform(ar -> Future.failedFuture(err)));
  }

  private JsonObject status() {
    long journalBytes = journal.segments().stream().mapToLong(UsageJournal.Segment::bytes).sum();
    return shipper.status().mergeIn(syncer.status())
      .put("journal_dir", journal.dir().toString())
      .put("journal_bytes", journalBytes)
      .put("waiting_for_write", writer.queued())
      .put("records_journaled", writer.written())
      .put("records_shipped_from_memory", tail.hits());
  }

  @Override
  public Future<?> stop() {
    if (local != null) {
      LocalJournal.unregister(vertx, local);
    }
    List<Future<?>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    return Future.join(unregistered)
      // What was accepted is written and fsynced before the journal closes.
      .eventually(() -> journalThread.executeBlocking(() -> {
        if (writer != null) {
          writer.stop();
        }
        if (syncer != null) {
          syncer.stop();
        }
        return null;
      }, true))
      .eventually(() -> queries == null ? Future.succeededFuture() : queries.close())
      .eventually(() -> shipper == null ? Future.succeededFuture() : shipper.stop())
      .eventually(() -> verifier == null ? Future.succeededFuture() : verifier.close())
      .eventually(() -> journalThread.executeBlocking(() -> {
        journal.close();
        return null;
      }, true))
      .eventually(() -> store == null ? Future.succeededFuture() : store.close())
      .eventually(() -> cluster == null ? Future.succeededFuture() : cluster.leave())
      .eventually(() -> journalThread.close().compose(v -> readerThread.close()));
  }
}
