package io.switchboard.core.artifact;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The hooks a store runs after a deletion; one failing hook neither stops the others nor the deletion. */
public final class DeletionHooks {

  private static final Logger LOG = Logger.getLogger(DeletionHooks.class.getName());

  private final List<Consumer<ArtifactDeletion>> hooks = new CopyOnWriteArrayList<>();

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
}
