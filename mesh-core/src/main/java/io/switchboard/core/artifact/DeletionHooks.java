package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The hooks a store runs after a deletion, and the one place that says what each kind of deletion tells them, so
 * that every store reports the same events; one failing hook neither stops the others nor the deletion.
 */
public final class DeletionHooks {

  private static final Logger LOG = Logger.getLogger(DeletionHooks.class.getName());

  private final List<Consumer<ArtifactDeletion>> hooks = new CopyOnWriteArrayList<>();
  private final LongSupplier clock;

  /** @param clock the time a deletion is stamped with (the store's clock) */
  public DeletionHooks(LongSupplier clock) {
    this.clock = clock;
  }

  public void add(Consumer<ArtifactDeletion> hook) {
    hooks.add(hook);
  }

  public void fire(ArtifactDeletion deletion) {
    for (Consumer<ArtifactDeletion> hook : hooks) {
      try {
        hook.accept(deletion);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "artifact deletion hook failed for " + deletion.cid(), e);
      }
    }
  }

  /**
   * After {@link ArtifactStore#deleteClaims}: {@code whole} is null when {@code keyId} held no claim (nothing is told),
   * true when the bytes went with the last claim. Answers whether any claim went.
   */
  public boolean claimsDeleted(Cid cid, String keyId, ArtifactDeletion.Reason reason, Boolean whole) {
    if (whole == null) {
      return false;
    }
    fire(new ArtifactDeletion(cid, reason, keyId, whole, clock.getAsLong()));
    return true;
  }

  /** After {@link ArtifactStore#delete}: answers {@code removed}, telling the hooks when it is true. */
  public boolean deleted(Cid cid, ArtifactDeletion.Reason reason, boolean removed) {
    if (removed) {
      fire(new ArtifactDeletion(cid, reason, null, true, clock.getAsLong()));
    }
    return removed;
  }

  /** After {@link ArtifactStore#retain}: answers {@code removed}, each told as retention at {@code now}. */
  public List<Cid> retained(List<Cid> removed, long now) {
    removed.forEach(cid -> fire(new ArtifactDeletion(cid, ArtifactDeletion.Reason.RETENTION, null, true, now)));
    return removed;
  }

  /**
   * A read found the artifact corrupted: {@code removal} removes it (and the hooks the cache entries referring to it),
   * so it is never served. Nothing waits for this; a failed removal is logged.
   */
  public void removeCorrupted(CorruptArtifactException c, Supplier<Future<?>> removal) {
    Cid cid = c.cid();
    LOG.warning(c.getMessage() + ": removing it");
    removal.get()
      .onSuccess(removed -> fire(new ArtifactDeletion(cid, ArtifactDeletion.Reason.CORRUPTED, null, true, clock.getAsLong())))
      .onFailure(e -> LOG.log(Level.WARNING, "could not remove corrupted artifact " + cid, e));
  }
}
