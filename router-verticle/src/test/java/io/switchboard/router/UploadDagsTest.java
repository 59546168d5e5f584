package io.switchboard.router;

import io.switchboard.api.Headers;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web leaves the DAG of an upload it may still be hashing; the router takes it on its own context, and gets the
 * audio's true DAG even when what was left is wrong or failed.
 */
@ExtendWith(VertxExtension.class)
class UploadDagsTest {

  private static final Buffer AUDIO = audio();

  private static Buffer audio() {
    byte[] b = new byte[300_000];
    new Random(3).nextBytes(b);
    return Buffer.buffer(b);
  }

  /** What the router's handler gets: the audio and the token, delivered on the router's context. */
  private static Message<Object> deliver(Vertx vertx, Context router, String token) throws Exception {
    String address = "upload-dags-test-" + token;
    Promise<Message<Object>> got = Promise.promise();
    Promise<Void> registered = Promise.promise();
    router.runOnContext(v -> vertx.eventBus().<Object>consumer(address, got::complete).completion().onComplete(registered));
    registered.future().await(10, TimeUnit.SECONDS);
    DeliveryOptions options = new DeliveryOptions().addHeader(Headers.UPLOAD_TOKEN, token);
    vertx.eventBus().send(address, AUDIO, options);
    return got.future().await(10, TimeUnit.SECONDS);
  }

  private static FileDag take(Vertx vertx, Context router, Message<Object> msg, Promise<Boolean> onRouterContext)
    throws Exception {
    Promise<FileDag> dag = Promise.promise();
    router.runOnContext(v -> UploadDags.take(vertx, msg).onComplete(d -> {
      onRouterContext.tryComplete(Vertx.currentContext() == router);
      dag.handle(d);
    }));
    return dag.future().await(30, TimeUnit.SECONDS);
  }

  @Test
  void aDagStillHashingWhenTheRouterTakesItCompletesOnTheRoutersContextWhateverThreadFinishedIt(Vertx vertx) throws Exception {
    Context router = vertx.getOrCreateContext();
    Promise<FileDag> hashing = Promise.promise();
    String token = UploadDags.leave(vertx, hashing.future());
    Message<Object> msg = deliver(vertx, router, token);
    Promise<Boolean> onRouter = Promise.promise();
    Promise<FileDag> taken = Promise.promise();
    router.runOnContext(v -> UploadDags.take(vertx, msg).onComplete(d -> {
      onRouter.complete(Vertx.currentContext() == router);
      taken.handle(d);
    }));
    FileDag truth = FileDag.of(AUDIO);
    // The web's hasher completes the DAG later, on the hashing thread that hashed the last leaf (or on the web's loop).
    Thread lane = new Thread(() -> hashing.complete(truth), "switchboard-cid-test");
    lane.start();
    assertSame(truth, taken.future().await(30, TimeUnit.SECONDS), "the DAG the web computed, not a second hashing");
    assertTrue(onRouter.future().await(10, TimeUnit.SECONDS), "completed on the router's context");
  }

  @Test
  void aDagOfAnotherLengthOrAFailedOneIsComputedAgainFromTheAudio(Vertx vertx) throws Exception {
    Context router = vertx.getOrCreateContext();
    FileDag truth = FileDag.of(AUDIO);
    FileDag wrong = FileDag.of(AUDIO.slice(0, 1000));
    for (Future<FileDag> left : java.util.List.of(Future.succeededFuture(wrong), Future.<FileDag>failedFuture("hashing failed"))) {
      Message<Object> msg = deliver(vertx, router, UploadDags.leave(vertx, left));
      Promise<Boolean> onRouter = Promise.promise();
      FileDag dag = take(vertx, router, msg, onRouter);
      assertEquals(truth.root(), dag.root());
      assertTrue(onRouter.future().await(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aTokenIsTakenOnceAndAMessageWithoutOneHasNoDag(Vertx vertx) throws Exception {
    Context router = vertx.getOrCreateContext();
    Message<Object> msg = deliver(vertx, router, UploadDags.leave(vertx, Future.succeededFuture(FileDag.of(AUDIO))));
    Promise<Future<FileDag>> first = Promise.promise();
    Promise<Future<FileDag>> second = Promise.promise();
    router.runOnContext(v -> {
      first.complete(UploadDags.take(vertx, msg));
      second.complete(UploadDags.take(vertx, msg));
    });
    assertEquals(FileDag.of(AUDIO).root(), first.future().await(10, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS).root());
    assertNull(second.future().await(10, TimeUnit.SECONDS), "a token is used once");
    Message<Object> unknown = deliver(vertx, router, "not-a-token");
    Promise<Future<FileDag>> none = Promise.promise();
    router.runOnContext(v -> none.complete(UploadDags.take(vertx, unknown)));
    assertNull(none.future().await(10, TimeUnit.SECONDS));
  }

  @Test
  void tokensAre128RandomBitsEachTimeAnother(Vertx vertx) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String token = UploadDags.leave(vertx, Future.succeededFuture(FileDag.of(Buffer.buffer())));
      assertTrue(token.matches("[0-9a-f]{32}"), "128 bits in hex: " + token);
      assertTrue(seen.add(token), "a token once: " + token);
      UploadDags.drop(vertx, token);
    }
  }
}
