package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.Privacy;
import io.switchboard.core.cid.Cid;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two nodes with embedded stores of their own (here two stores on one bus): a holder's deletion on one reaches the
 * other's copy and every node's cache; retention stays each node's own business.
 */
@ExtendWith(VertxExtension.class)
class ArtifactDeletionsTest {

  private static final ArtifactTag K1 = new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_1", "r1");
  private static final ArtifactTag K2 = new ArtifactTag(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_2", "r2");

  @TempDir
  Path dir;

  @Test
  void aHolderDeletionReachesEveryCopyAndEveryCache(Vertx vertx, VertxTestContext ctx) throws Throwable {
    ArtifactStore a = FileArtifactStore.open(vertx, dir.resolve("a"), 1).await();
    ArtifactStore b = FileArtifactStore.open(vertx, dir.resolve("b"), 1).await();
    List<String> forgotten = new CopyOnWriteArrayList<>();
    Checkpoint done = ctx.laxCheckpoint(3); // a's cache, b's cache, b's copy
    ArtifactDeletions.start(vertx, a, d -> {
      forgotten.add("a:" + d.cid() + ":" + d.reason().wireName());
      done.flag();
    }).await();
    ArtifactDeletions.start(vertx, b, d -> {
      forgotten.add("b:" + d.cid() + ":" + d.reason().wireName());
      done.flag();
    }).await();
    b.onDeleted(d -> {
      if (d.reason() == ArtifactDeletion.Reason.ELSEWHERE) {
        done.flag();
      }
    });
    Buffer audio = Buffer.buffer(new byte[400_000]);
    Cid cid = a.put(K1, audio).await().cid();
    b.put(K1, audio).await();
    b.put(K2, audio).await();
    Cid other = a.put(K1, Buffer.buffer(new byte[]{7})).await().cid();

    a.deleteClaims(cid, "k_1").await();
    assertEquals(true, ctx.awaitCompletion(30, TimeUnit.SECONDS));
    assertNull(a.info(cid).await());
    assertEquals(List.of(new ArtifactClaim(ArtifactKind.AUDIO_IN, Privacy.LOCAL, "k_2", "r2", b.info(cid).await().claims().get(0).createdMs())),
      b.info(cid).await().claims(), "k_1's claim went on b too; k_2's stays");
    assertEquals(List.of("a:" + cid + ":holder", "b:" + cid + ":holder"), forgotten.stream().sorted().toList());

    // Retention on a does not reach b's copy of the same bytes.
    b.put(K1, Buffer.buffer(new byte[]{7})).await();
    a.retain(1, 0, System.currentTimeMillis() + 10_000).await();
    assertNull(a.info(other).await());
    assertEquals(1, b.info(other).await().claims().size());
    a.close().await();
    b.close().await();
  }
}
