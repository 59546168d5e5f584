package io.switchboard.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.usage.journal.GroupCommitter;
import io.switchboard.usage.journal.UsageJournal;
import io.switchboard.usage.journal.UsageRecordHandler;
import io.switchboard.usage.journal.UsageShipper;
import io.switchboard.usage.keys.KeyHandler;
import io.switchboard.usage.keys.KeyService;
import io.switchboard.usage.query.UsageQueryHandler;
import io.switchboard.usage.store.SchemaGate;
import io.switchboard.usage.store.SqlUsageStore;
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
 * Wires the usage ledger: the store, the journal with its group commit and shipper, and the consumers of
 * {@code switchboard.usage}, {@code switchboard.usage.query} and {@code switchboard.keys}. Deploy one instance per
 * node (the journal folder is locked to one). Config: the {@code usage:} slice ({@link UsageConfig}).
 */
public final class UsageVerticle extends VerticleBase {

  private static final Logger LOG = System.getLogger(UsageVerticle.class.getName());

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private SqlUsageStore store;
  private UsageJournal journal;
  private WorkerExecutor journalThread;
  private WorkerExecutor readerThread;
  private UsageShipper shipper;
  private GroupCommitter committer;
  private KeyVerifier verifier;

  @Override
  public Future<?> start() {
    MeshExceptionCodec.register(vertx);
    UsageConfig conf = UsageConfig.from(config(), System.getenv());
    store = UsageStores.create(vertx, conf);
    journal = new UsageJournal(conf.journalDir(), conf.segmentBytes());
    journalThread = vertx.createSharedWorkerExecutor("switchboard-usage-journal-" + deploymentID(), 1);
    readerThread = vertx.createSharedWorkerExecutor("switchboard-usage-reader-" + deploymentID(), 1);
    SchemaGate schema = new SchemaGate(store);
    KeyService keys = new KeyService(vertx, store, schema::ready, conf.revocationTimeoutMs());
    return journalThread.executeBlocking(() -> {
        journal.open();
        return null;
      }, true)
      .compose(v -> KeyVerifier.start(vertx, keys::lookup, conf.keyCacheTtlMs()))
      .compose(v -> {
        verifier = v;
        shipper = new UsageShipper(vertx, journal, store, schema, readerThread, journalThread, conf.shipper());
        committer = new GroupCommitter(journal, journalThread, conf.commitMaxBatch(), conf.maxWaiting(), shipper::wake);
        consumers.add(vertx.eventBus().consumer(Addresses.USAGE, new UsageRecordHandler(committer)));
        consumers.add(vertx.eventBus().consumer(Addresses.USAGE_QUERY, new UsageQueryHandler(store, schema, this::status)));
        consumers.add(vertx.eventBus().consumer(Addresses.KEYS, new KeyHandler(keys, verifier)));
        List<Future<Void>> ready = new ArrayList<>();
        consumers.forEach(c -> ready.add(c.completion()));
        return Future.all(ready);
      })
      .onSuccess(v -> {
        shipper.start();
        LOG.log(Level.INFO, "usage ledger on {0} store, journal in {1}", store.kind(), conf.journalDir());
      })
      // A verticle whose start failed is never stopped: let go of what it took (another node may use the folder).
      .recover(err -> stop().transform(ar -> Future.failedFuture(err)));
  }

  private JsonObject status() {
    long journalBytes = journal.segments().stream().mapToLong(UsageJournal.Segment::durableBytes).sum();
    return shipper.status().put("journal_dir", journal.dir().toString()).put("journal_bytes", journalBytes)
      .put("waiting_for_fsync", committer.waiting()).put("records_journaled", committer.committed());
  }

  @Override
  public Future<?> stop() {
    List<Future<?>> unregistered = new ArrayList<>();
    consumers.forEach(c -> unregistered.add(c.unregister()));
    return Future.join(unregistered)
      .eventually(() -> shipper == null ? Future.succeededFuture() : shipper.stop())
      .eventually(() -> verifier == null ? Future.succeededFuture() : verifier.close())
      .eventually(() -> journalThread.executeBlocking(() -> {
        journal.close();
        return null;
      }, true))
      .eventually(() -> store.close())
      .eventually(() -> journalThread.close().compose(v -> readerThread.close()));
  }
}
