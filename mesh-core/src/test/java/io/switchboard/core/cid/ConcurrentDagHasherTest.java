package io.switchboard.core.cid;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hashing an upload as it arrives: the last leaf is hashed in steps too, so little is left after the last byte. */
@ExtendWith(VertxExtension.class)
class ConcurrentDagHasherTest {

  /** A 30 s 16 kHz WAV's size in a multipart upload: three full leaves and a last one of 173 KB. */
  static final int SIZE = 44 + 30 * 32_000;

  @Test
  void onceTheWorkersHaveCaughtUpTheDagIsReadyWithinFinishAndEqualsTheSequentialOne(Vertx vertx) throws Exception {
    byte[] file = new byte[SIZE];
    new Random(7).nextBytes(file);
    Context loop = vertx.getOrCreateContext();
    ConcurrentDagHasher hasher = new ConcurrentDagHasher(vertx);
    Promise<Integer> fed = Promise.promise();
    loop.runOnContext(v -> {
      for (int pos = 0; pos < file.length; pos += 8192) { // the pieces an upload arrives in
        hasher.update(ByteBuffer.wrap(file, pos, Math.min(8192, file.length - pos)));
      }
      fed.complete(hasher.bytesNotHandedOver());
    });
    int left = fed.future().await(30, TimeUnit.SECONDS);
    assertTrue(left < ConcurrentDagHasher.PIECE, "the last leaf (173 KB) went to workers in steps as it arrived: " + left + " bytes left");
    long until = System.currentTimeMillis() + 30_000;
    while (!caughtUp(loop, hasher) && System.currentTimeMillis() < until) {
      vertx.timer(5).await(30, TimeUnit.SECONDS);
    }
    Promise<Boolean> readyAtOnce = Promise.promise();
    Promise<FileDag> dag = Promise.promise();
    loop.runOnContext(v -> {
      Future<FileDag> finished = hasher.finish();
      readyAtOnce.complete(finished.isComplete());
      finished.onComplete(dag);
    });
    assertTrue(readyAtOnce.future().await(30, TimeUnit.SECONDS),
      "the last leaf's last step is hashed within finish(): no hop to a worker after the last byte");
    FileDag sequential = FileDag.of(Buffer.buffer(file));
    FileDag concurrent = dag.future().await(30, TimeUnit.SECONDS);
    assertEquals(sequential.root(), concurrent.root());
    assertEquals(sequential.leaves(), concurrent.leaves());
    assertEquals(SIZE, concurrent.size());
  }

  private static boolean caughtUp(Context loop, ConcurrentDagHasher hasher) throws Exception {
    Promise<Boolean> p = Promise.promise();
    loop.runOnContext(v -> p.complete(hasher.caughtUp()));
    return p.future().await(30, TimeUnit.SECONDS);
  }

  /**
   * Many uploads at once (fed from two event loops, finished before their steps are hashed): each DAG equals the
   * sequential one and completes where its last leaf was hashed (a lane thread, or the feeding loop within finish when
   * the lane had caught up), not by a hop back to the feeding context (its user, the router, is on another); the steps
   * ran on the lane's threads, never more than one per core.
   */
  @Test
  void manyUploadsAtOnceAreHashedOnTheLaneAndCompleteWhereTheLastLeafWasHashed(Vertx vertx) throws Exception {
    int uploads = 12;
    byte[][] files = new byte[uploads][];
    Random random = new Random(9);
    for (int i = 0; i < uploads; i++) {
      files[i] = new byte[262_144 * (1 + i % 3) + random.nextInt(300_000)];
      random.nextBytes(files[i]);
    }
    Context[] loops = {vertx.getOrCreateContext(), vertx.getOrCreateContext()};
    java.util.List<Future<Boolean>> checked = new java.util.ArrayList<>();
    for (int i = 0; i < uploads; i++) {
      byte[] file = files[i];
      Context loop = loops[i % 2];
      Promise<Boolean> laneOrFeedingThreadAndRoot = Promise.promise();
      checked.add(laneOrFeedingThreadAndRoot.future());
      loop.runOnContext(v -> {
        ConcurrentDagHasher hasher = new ConcurrentDagHasher(vertx);
        for (int pos = 0; pos < file.length; pos += 65_536) {
          hasher.update(ByteBuffer.wrap(file, pos, Math.min(65_536, file.length - pos)));
        }
        Thread feeding = Thread.currentThread();
        hasher.finish().onComplete(dag -> laneOrFeedingThreadAndRoot.complete(
          (Thread.currentThread().getName().startsWith("switchboard-cid-") || Thread.currentThread() == feeding)
            && dag.succeeded() && dag.result().root().equals(FileDag.of(Buffer.buffer(file)).root())));
      });
    }
    for (Future<Boolean> f : checked) {
      assertTrue(f.await(60, TimeUnit.SECONDS), "a DAG completed where its last leaf was hashed, with the sequential root");
    }
    long laneThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("switchboard-cid-")).count();
    assertTrue(laneThreads >= 1 && laneThreads <= Runtime.getRuntime().availableProcessors(),
      laneThreads + " lane threads for " + Runtime.getRuntime().availableProcessors() + " cores");
    assertEquals(Runtime.getRuntime().availableProcessors(), HashLane.threads());
  }

  /**
   * The leaves of one file do not wait for each other: each full leaf's steps are on the lane as soon as they arrive,
   * as a task of their own, even while the leaf before has not been hashed at all (a 960 KB upload arrives over
   * loopback faster than one core hashes it; as one chain, its backlog after the last byte was hashed on one core).
   * Run in reverse order, the leaves still give the sequential DAG.
   */
  @Test
  void eachLeafIsALaneTaskOfItsOwnAndTheLeavesMayBeHashedInAnyOrder(Vertx vertx) throws Exception {
    byte[] file = new byte[SIZE];
    new Random(11).nextBytes(file);
    Context loop = vertx.getOrCreateContext();
    java.util.List<Runnable> lane = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Promise<ConcurrentDagHasher> fed = Promise.promise();
    loop.runOnContext(v -> {
      ConcurrentDagHasher hasher = new ConcurrentDagHasher(vertx, lane::add);
      for (int pos = 0; pos < file.length; pos += 8192) {
        hasher.update(ByteBuffer.wrap(file, pos, Math.min(8192, file.length - pos)));
      }
      fed.complete(hasher);
    });
    ConcurrentDagHasher hasher = fed.future().await(30, TimeUnit.SECONDS);
    assertEquals(4, lane.size(), "one lane task per leaf (three full ones and the last), none run yet: " + lane.size());
    Promise<FileDag> dag = Promise.promise();
    loop.runOnContext(v -> hasher.finish().onComplete(dag));
    for (int i = lane.size() - 1; i >= 0; i--) {
      lane.get(i).run(); // this thread is the lane here
    }
    FileDag sequential = FileDag.of(Buffer.buffer(file));
    FileDag concurrent = dag.future().await(30, TimeUnit.SECONDS);
    assertEquals(sequential.root(), concurrent.root());
    assertEquals(sequential.leaves(), concurrent.leaves());
  }

  @Test
  void withoutVertxEveryStepIsHashedOnTheCallersThread() {
    byte[] file = new byte[3 * 262_144 + 5];
    new Random(8).nextBytes(file);
    ConcurrentDagHasher hasher = new ConcurrentDagHasher(null);
    for (int pos = 0; pos < file.length; pos += 100_000) {
      hasher.update(ByteBuffer.wrap(file, pos, Math.min(100_000, file.length - pos)));
    }
    Future<FileDag> dag = hasher.finish();
    assertTrue(dag.isComplete());
    assertEquals(FileDag.of(Buffer.buffer(file)).root(), dag.result().root());
  }
}
