package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each kind of deletion tells the hooks, the same for every store (both stores call these). */
class DeletionHooksTest {

  private static final Cid A = FileDag.of(Buffer.buffer("a")).root();
  private static final Cid B = FileDag.of(Buffer.buffer("b")).root();

  private final List<ArtifactDeletion> told = new CopyOnWriteArrayList<>();
  private final DeletionHooks hooks = new DeletionHooks(() -> 1_000L);

  DeletionHooksTest() {
    hooks.add(told::add);
  }

  @Test
  void claimsDeletedTellsWhetherTheBytesWentAndNothingWhenNoClaimWent() {
    assertFalse(hooks.claimsDeleted(A, "k_1", ArtifactDeletion.Reason.HOLDER, null));
    assertTrue(told.isEmpty());

    assertTrue(hooks.claimsDeleted(A, "k_1", ArtifactDeletion.Reason.HOLDER, false));
    assertTrue(hooks.claimsDeleted(B, null, ArtifactDeletion.Reason.ELSEWHERE, true));

    assertEquals(List.of(new ArtifactDeletion(A, ArtifactDeletion.Reason.HOLDER, "k_1", false, 1_000L),
      new ArtifactDeletion(B, ArtifactDeletion.Reason.ELSEWHERE, null, true, 1_000L)), told);
  }

  @Test
  void deletedTellsOnlyWhatWasThere() {
    assertFalse(hooks.deleted(A, ArtifactDeletion.Reason.ADMIN, false));
    assertTrue(hooks.deleted(B, ArtifactDeletion.Reason.ADMIN, true));
    assertEquals(List.of(new ArtifactDeletion(B, ArtifactDeletion.Reason.ADMIN, null, true, 1_000L)), told);
  }

  @Test
  void retainedTellsEachAsRetentionAtTheRetentionsTime() {
    assertEquals(List.of(A, B), hooks.retained(List.of(A, B), 7L));
    assertEquals(List.of(new ArtifactDeletion(A, ArtifactDeletion.Reason.RETENTION, null, true, 7L),
      new ArtifactDeletion(B, ArtifactDeletion.Reason.RETENTION, null, true, 7L)), told);
  }

  @Test
  void aCorruptedArtifactIsToldOnceItsRemovalSucceededAndNotWhenItFailed() {
    hooks.removeCorrupted(new CorruptArtifactException(A, "chunk 0 does not match"), () -> Future.succeededFuture(true));
    hooks.removeCorrupted(new CorruptArtifactException(B, "chunk 0 does not match"),
      () -> Future.failedFuture(new IllegalStateException("disk gone")));
    assertEquals(List.of(new ArtifactDeletion(A, ArtifactDeletion.Reason.CORRUPTED, null, true, 1_000L)), told);
  }

  @Test
  void aFailingHookStopsNeitherTheOthersNorTheDeletion() {
    DeletionHooks failing = new DeletionHooks(() -> 5L);
    failing.add(d -> {
      throw new IllegalStateException("cache gone");
    });
    failing.add(told::add);
    assertTrue(failing.deleted(A, ArtifactDeletion.Reason.ADMIN, true));
    assertEquals(List.of(new ArtifactDeletion(A, ArtifactDeletion.Reason.ADMIN, null, true, 5L)), told);
  }
}
