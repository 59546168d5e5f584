package io.switchboard.voice.call;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.switchboard.core.testkit.Await;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The call's side of a pulled stream against a real stream server on the bus ({@link BusStreams#serve}): what it hands
 * on, and what it reports of messages that were on their way when the call cancelled, which the router bills.
 */
class PulledStreamTest {

  private static final String ADDRESS = "test.stream";

  private final Vertx vertx = Vertx.vertx();
  private final ChunkPipe<String> pipe = new ChunkPipe<>();
  /** The producer's context: the pipe is written there. */
  private final CompletableFuture<Context> producer = new CompletableFuture<>();
  private final List<Object> data = new CopyOnWriteArrayList<>();
  private final List<Object> late = new CopyOnWriteArrayList<>();
  private final List<Object> lateEnds = new CopyOnWriteArrayList<>();
  /** The call's context: the stream is started and cancelled there. */
  private final Context call = vertx.getOrCreateContext();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  /** Serves the test's pipe to one request; the call's side is started on a context of its own. */
  private PulledStream open() throws Exception {
    vertx.eventBus().<Object>consumer(ADDRESS, request -> {
      producer.complete(vertx.getOrCreateContext());
      BusStreams.serve(request, pipe, 5_000, (batch, first) -> Buffer.buffer(String.join("", batch)),
        (rest, trailer) -> new JsonObject().put("rest", String.join("", rest)));
    }).completion().await(5, TimeUnit.SECONDS);
    CompletableFuture<PulledStream> started = new CompletableFuture<>();
    call.runOnContext(v -> vertx.eventBus().<Object>request(ADDRESS, "go").onSuccess(first -> {
      PulledStream s = new PulledStream(first, 5_000, data::add).onLate(late::add).onLateEnd(lateEnds::add);
      started.complete(s.start());
    }));
    onProducer(() -> pipe.write("a"));
    return started.get(5, TimeUnit.SECONDS);
  }

  private void onProducer(Runnable r) throws Exception {
    Await.on(producer.get(5, TimeUnit.SECONDS), r);
  }

  /** A stream cancelled on the call's context once its first message was handed on, its credit for the next out. */
  private void cancelledAfterTheFirstMessage() throws Exception {
    PulledStream s = open();
    Await.until("the first message", () -> data.size() == 1);
    Await.on(call, s::cancel);
    assertEquals(ErrorCode.CANCELLED, ((MeshException) s.done().cause()).errorCode());
  }

  @Test
  void aStreamThatEndsHandsOnItsDataAndCompletesWithTheEnd() throws Exception {
    PulledStream s = open();
    Await.until("the first message", () -> data.size() == 1);
    onProducer(() -> {
      pipe.write("b");
      pipe.end(new JsonObject());
    });
    JsonObject end = (JsonObject) s.done().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertTrue(s.delivered());
    StringBuilder content = new StringBuilder();
    data.forEach(content::append);
    assertEquals("ab", content.append(end.getString("rest")).toString(), "every item, as data or in the end");
    assertTrue(lateEnds.isEmpty(), "an end that was not late: " + lateEnds);
  }

  /**
   * The call cancels while its credit for the next message is with the server, and the server ends the stream: the end
   * arrives after the cancel. The router relayed that end, so it billed the stream in full: the call is told of it.
   */
  @Test
  void anEndOnItsWayWhenTheCallCancelledIsReported() throws Exception {
    cancelledAfterTheFirstMessage();
    onProducer(() -> pipe.end(new JsonObject()));
    Await.until("the late end", () -> lateEnds.size() == 1);
    assertEquals(new JsonObject().put("rest", ""), lateEnds.getFirst());
    assertEquals(1, data.size(), "nothing handed on after the cancel");
    assertTrue(late.isEmpty(), "no late data: " + late);
  }

  /** A data message on its way when the call cancelled is answered with the cancel: the server stops, no end comes. */
  @Test
  void dataOnItsWayWhenTheCallCancelledIsAnsweredWithTheCancel() throws Exception {
    cancelledAfterTheFirstMessage();
    onProducer(() -> pipe.write("late"));
    Await.until("the late data", () -> late.size() == 1);
    Await.until("the server's pipe cancelled", pipe::isCancelled);
    assertEquals("late", late.getFirst().toString());
    assertTrue(lateEnds.isEmpty(), "no end after a cancelled stream: " + lateEnds);
  }

  /** Not a stream at all (a whole reply): done completes with it. */
  @Test
  void aWholeReplyCompletesAtOnce() throws Exception {
    vertx.eventBus().<Object>consumer(ADDRESS, m -> m.reply(new JsonObject().put("whole", true))).completion().await(5, TimeUnit.SECONDS);
    Message<Object> reply = vertx.eventBus().<Object>request(ADDRESS, "go").await(5, TimeUnit.SECONDS);
    CompletableFuture<Object> done = new CompletableFuture<>();
    call.runOnContext(v -> new PulledStream(reply, 5_000, data::add).start().done()
      .onComplete(ar -> done.complete(ar.result())));
    assertEquals(new JsonObject().put("whole", true), done.get(5, TimeUnit.SECONDS));
    assertTrue(data.isEmpty());
  }
}
