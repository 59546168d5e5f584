package io.switchboard.core.artifact;

import io.switchboard.api.Addresses;
import io.switchboard.core.cid.Cid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Spreads deletions across the cluster on {@link Addresses#ARTIFACT_DELETED}: every deletion this node's store makes
 * is published, and every published deletion reaches {@code forget} on every node (the exact cache drops what
 * refers to the CID). A holder's or the admin's deletion made elsewhere is also applied to this node's store (an
 * embedded store holds its own copy; on PostgreSQL it finds nothing left to do); retention and corruption are each
 * store's own business. Applied deletions are not published again.
 */
public final class ArtifactDeletions {

  private static final Logger LOG = Logger.getLogger(ArtifactDeletions.class.getName());

  private final String node = UUID.randomUUID().toString();
  private final MessageConsumer<JsonObject> consumer;

  private ArtifactDeletions(Vertx vertx, ArtifactStore store, Consumer<ArtifactDeletion> forget) {
    if (store != null) {
      store.onDeleted(d -> {
        if (d.reason() != ArtifactDeletion.Reason.ELSEWHERE) {
          vertx.eventBus().publish(Addresses.ARTIFACT_DELETED, d.toJson(node));
        }
      });
    }
    consumer = vertx.eventBus().consumer(Addresses.ARTIFACT_DELETED, msg -> {
      ArtifactDeletion d;
      try {
        d = ArtifactDeletion.fromJson(msg.body());
      } catch (RuntimeException e) {
        LOG.warning("ignoring a malformed artifact deletion: " + e.getMessage());
        return;
      }
      forget.accept(d);
      if (store != null && !node.equals(msg.body().getString("node"))) {
        apply(store, d.cid(), d);
      }
    });
  }

  /** Links {@code store} (null on a node without one) and {@code forget} to the cluster's deletions. */
  public static Future<ArtifactDeletions> start(Vertx vertx, ArtifactStore store, Consumer<ArtifactDeletion> forget) {
    ArtifactDeletions d = new ArtifactDeletions(vertx, store, forget);
    return d.consumer.completion().map(d);
  }

  private static void apply(ArtifactStore store, Cid cid, ArtifactDeletion d) {
    switch (d.reason()) {
      case HOLDER -> store.deleteClaims(cid, d.keyId(), ArtifactDeletion.Reason.ELSEWHERE);
      case ADMIN -> store.delete(cid, ArtifactDeletion.Reason.ELSEWHERE);
      default -> { }
    }
  }

  public Future<Void> stop() {
    return consumer.unregister();
  }
}
