package io.switchboard.router.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.MeshExceptionCodec;
import io.switchboard.api.UsageBatch;
import io.switchboard.api.UsageRecord;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.usage.LocalJournal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the router hands its usage records over: those finished in one turn of the event loop go as one
 * {@link UsageBatch} to this node's batch consumer, confirmed by one reply; without such a consumer each goes as JSON
 * on {@code switchboard.usage}; a ledger that refuses a batch loses its records (counted), never the answers. With this
 * node's journal registered ({@link LocalJournal}) the batch goes to it, not on the bus.
 */
@ExtendWith(VertxExtension.class)
class UsageRecorderTest {

  private Vertx vertx;
  private final List<Message<Object>> batches = new CopyOnWriteArrayList<>();
  private final List<Message<Object>> singles = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    MeshExceptionCodec.register(vertx);
  }

  private void batchLedger() throws Exception {
    vertx.eventBus().localConsumer(Addresses.USAGE_BATCH, batches::add).completion().await(5, TimeUnit.SECONDS);
  }

  private void jsonLedger() throws Exception {
    vertx.eventBus().consumer(Addresses.USAGE, singles::add).completion().await(5, TimeUnit.SECONDS);
  }

  /** Sends {@code n} records from one task on an event loop (one turn) and returns their futures. */
  private List<Future<Void>> sendInOneTurn(UsageRecorder recorder, int n, String prefix) throws Exception {
    Promise<List<Future<Void>>> sent = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<Void>> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(recorder.send(UsageRecord.builder(prefix + i).backend("alpha").model("m1").tokens(i, 2 * i).build()));
      }
      sent.complete(out);
    });
    return sent.future().await(5, TimeUnit.SECONDS);
  }

  @Test
  void recordsOfOneTurnGoAsOneBatchConfirmedByOneReply() throws Exception {
    batchLedger();
    UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
    List<Future<Void>> answers = sendInOneTurn(recorder, 10, "r-");
    Await.until("the batch arrives", () -> !batches.isEmpty());
    Await.quiet(vertx, 100);
    assertEquals(1, batches.size(), "one message for the turn");
    UsageBatch batch = assertInstanceOf(UsageBatch.class, batches.get(0).body());
    assertEquals(10, batch.records().size());
    for (int i = 0; i < 10; i++) {
      assertEquals("r-" + i, batch.records().get(i).requestId());
      assertEquals(2L * i, batch.records().get(i).outputTokens());
    }
    answers.forEach(a -> assertFalse(a.isComplete(), "an answer went out before its record was confirmed"));
    batches.get(0).reply(new JsonObject().put("durability", "process"));
    Future.all(answers).await(5, TimeUnit.SECONDS);
    assertEquals(0, recorder.lost());
    assertTrue(singles.isEmpty());
  }

  @Test
  void theNextTurnMakesTheNextBatch() throws Exception {
    batchLedger();
    UsageRecorder recorder = new UsageRecorder(vertx, false, 10_000);
    List<Future<Void>> first = sendInOneTurn(recorder, 3, "a-");
    Await.until("the first batch arrives", () -> batches.size() == 1);
    List<Future<Void>> second = sendInOneTurn(recorder, 2, "b-");
    Await.until("the second batch arrives", () -> batches.size() == 2);
    assertEquals(3, UsageBatch.recordsOf(batches.get(0).body()).size());
    assertEquals(List.of("b-0", "b-1"), UsageBatch.recordsOf(batches.get(1).body()).stream().map(UsageRecord::requestId).toList());
    // Without durable answers the answers never waited.
    first.forEach(a -> assertTrue(a.isComplete()));
    second.forEach(a -> assertTrue(a.isComplete()));
  }

  @Test
  void withoutABatchConsumerEachRecordGoesAsJson() throws Exception {
    jsonLedger();
    UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
    List<Future<Void>> answers = sendInOneTurn(recorder, 3, "j-");
    Await.until("three records arrive", () -> singles.size() == 3);
    for (Message<Object> m : singles) {
      assertInstanceOf(JsonObject.class, m.body());
    }
    assertEquals(List.of("j-0", "j-1", "j-2"), singles.stream().map(m -> UsageBatch.recordsOf(m.body()).get(0).requestId()).sorted().toList());
    answers.forEach(a -> assertFalse(a.isComplete()));
    singles.forEach(m -> m.reply(new JsonObject().put("durability", "process")));
    Future.all(answers).await(5, TimeUnit.SECONDS);
    assertEquals(0, recorder.lost());
  }

  @Test
  void aRefusedBatchIsCountedLostAndTheAnswersGoOut() throws Exception {
    batchLedger();
    UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
    List<Future<Void>> answers = sendInOneTurn(recorder, 4, "x-");
    Await.until("the batch arrives", () -> batches.size() == 1);
    batches.get(0).reply(new MeshException(ErrorCode.UNAVAILABLE, "usage journal write failed: disk full"));
    Future.all(answers).await(5, TimeUnit.SECONDS);
    assertEquals(4, recorder.lost());
  }

  @Test
  void withNoLedgerAtAllTheRecordsAreLostAndTheAnswersGoOut() throws Exception {
    UsageRecorder recorder = new UsageRecorder(vertx, true, 300);
    List<Future<Void>> answers = sendInOneTurn(recorder, 2, "n-");
    Future.all(answers).await(5, TimeUnit.SECONDS);
    assertEquals(2, recorder.lost());
  }

  /**
   * A journal on its own thread, as the usage verticle's writer: queues what it is given, confirms when told. This
   * node's journal until closed.
   */
  private static final class ThreadJournal implements LocalJournal, AutoCloseable {
    final List<UsageBatch> appended = new CopyOnWriteArrayList<>();
    final List<Consumer<MeshException>> waiting = new CopyOnWriteArrayList<>();
    final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-journal"));
    private final Vertx vertx;

    ThreadJournal(Vertx vertx) {
      this.vertx = vertx;
      LocalJournal.register(vertx, this);
    }

    @Override
    public void close() {
      LocalJournal.unregister(vertx, this);
      thread.shutdownNow();
    }

    @Override
    public void append(UsageBatch batch, Consumer<MeshException> done) {
      appended.add(batch);
      waiting.add(done);
    }

    /** Tells every waiting batch, from the journal's thread. */
    void confirmAll(MeshException failure) throws Exception {
      thread.submit(() -> waiting.forEach(d -> d.accept(failure))).get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void withThisNodesJournalTheTurnsRecordsGoToItWithoutTheBusAndCompleteOnTheirEventLoop() throws Exception {
    batchLedger();
    try (ThreadJournal journal = new ThreadJournal(vertx)) {
      UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
      List<Thread> completedOn = new CopyOnWriteArrayList<>();
      Promise<Thread> sender = Promise.promise();
      Promise<List<Future<Void>>> sent = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> {
        sender.complete(Thread.currentThread());
        List<Future<Void>> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          out.add(recorder.send(UsageRecord.builder("l-" + i).build()).onComplete(ar -> completedOn.add(Thread.currentThread())));
        }
        sent.complete(out);
      });
      List<Future<Void>> answers = sent.future().await(5, TimeUnit.SECONDS);
      Await.until("the journal is given the batch", () -> journal.appended.size() == 1);
      assertEquals(5, journal.appended.get(0).records().size(), "the turn's records in one batch");
      Await.quiet(vertx, 100);
      answers.forEach(a -> assertFalse(a.isComplete(), "an answer went out before its record was in the journal"));
      journal.confirmAll(null);
      Future.all(answers).await(5, TimeUnit.SECONDS);
      Await.until("every answer completed", () -> completedOn.size() == 5);
      Thread loop = sender.future().await(5, TimeUnit.SECONDS);
      completedOn.forEach(t -> assertEquals(loop, t, "completed on the sender's event loop, not the journal's thread"));
      assertTrue(batches.isEmpty(), "nothing on the bus");
      assertEquals(0, recorder.lost());
    }
  }

  @Test
  void aBatchThisNodesJournalRefusesGoesOnTheBus() throws Exception {
    batchLedger();
    try (ThreadJournal journal = new ThreadJournal(vertx)) {
      UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
      List<Future<Void>> answers = sendInOneTurn(recorder, 3, "s-");
      Await.until("the journal is given the batch", () -> journal.appended.size() == 1);
      journal.confirmAll(new MeshException(ErrorCode.UNAVAILABLE, "usage ledger is stopping"));
      Await.until("the batch goes on the bus", () -> batches.size() == 1);
      assertEquals(3, UsageBatch.recordsOf(batches.get(0).body()).size());
      answers.forEach(a -> assertFalse(a.isComplete()));
      batches.get(0).reply(new JsonObject().put("durability", "process"));
      Future.all(answers).await(5, TimeUnit.SECONDS);
      assertEquals(0, recorder.lost());
    }
  }

  @Test
  void aJournalThatWritesOnTheCallersThreadCompletesTheAnswersInTheTurnThatHandsThemOver() throws Exception {
    // The usage verticle's journal with durability process: the batch is written and confirmed inside append.
    List<UsageBatch> appended = new CopyOnWriteArrayList<>();
    LocalJournal inline = (batch, done) -> {
      appended.add(batch);
      done.accept(null);
    };
    LocalJournal.register(vertx, inline);
    try {
      UsageRecorder recorder = new UsageRecorder(vertx, true, 10_000);
      Promise<List<Boolean>> seen = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> {
        List<Future<Void>> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          out.add(recorder.send(UsageRecord.builder("i-" + i).build()));
        }
        // Queued after the hand-over (the recorder's flush, queued by the first send): by then it has run, and a
        // confirmation passed back through another task of the event loop would still be waiting behind this one.
        vertx.runOnContext(w -> {
          List<Boolean> done = new ArrayList<>();
          out.forEach(f -> done.add(f.isComplete()));
          seen.complete(done);
        });
      });
      assertEquals(List.of(true, true, true), seen.future().await(5, TimeUnit.SECONDS));
      assertEquals(1, appended.size());
      assertEquals(0, recorder.lost());
    } finally {
      LocalJournal.unregister(vertx, inline);
    }
  }
}
