package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.function.Consumer;

/**
 * Content-addressed artifacts: bytes stored once under their CID (written once, never changed), with the claims of
 * whoever stored them, read back only after each chunk is checked against its CID, and removed by their holders, the
 * admin, retention, or when a read finds them corrupted. A library used in-process: the node that holds the bytes
 * writes them to the store itself, so an upload never crosses the bus to reach it. Every method returns at once;
 * file and database work happens off the event loop.
 */
public interface ArtifactStore {

  /** {@code file} or {@code postgresql}. */
  String kind();

  /**
   * Stores {@code bytes}, whose DAG the caller computed while they streamed in (so they are not hashed again), under
   * {@code tag}. Bytes already stored under that CID are not written again: the tag adds a claim.
   */
  Future<ArtifactInfo> put(ArtifactTag tag, Buffer bytes, FileDag dag);

  /** {@link #put(ArtifactTag, Buffer, FileDag)} computing the DAG here (on the calling thread). */
  default Future<ArtifactInfo> put(ArtifactTag tag, Buffer bytes) {
    return put(tag, bytes, FileDag.of(bytes));
  }

  /** Stores bytes that arrive in pieces (speech audio as it is produced); the CID is known at {@link ArtifactWriter#end()}. */
  ArtifactWriter writer(ArtifactTag tag);

  /** The artifact, or null when there is none. */
  Future<ArtifactInfo> info(Cid cid);

  /**
   * Opens the artifact for reading: its DAG is checked now, each chunk as it is read. Fails with
   * {@code NOT_FOUND} when there is none, and with {@code INTERNAL} when it is corrupted (it is then removed).
   */
  Future<ArtifactReader> open(Cid cid);

  /** Removes the claims of {@code keyId} (null: the keyless claims); the bytes go with the last claim. True when any went. */
  default Future<Boolean> deleteClaims(Cid cid, String keyId) {
    return deleteClaims(cid, keyId, ArtifactDeletion.Reason.HOLDER);
  }

  /** {@link #deleteClaims(Cid, String)}, telling the hooks {@code reason}. */
  Future<Boolean> deleteClaims(Cid cid, String keyId, ArtifactDeletion.Reason reason);

  /** Removes the artifact whole, every claim (the admin's deletion). True when it existed. */
  default Future<Boolean> delete(Cid cid) {
    return delete(cid, ArtifactDeletion.Reason.ADMIN);
  }

  /** {@link #delete(Cid)}, telling the hooks {@code reason}. */
  Future<Boolean> delete(Cid cid, ArtifactDeletion.Reason reason);

  /**
   * Retention: removes artifacts last stored before {@code now - maxAgeMs} (when {@code maxAgeMs > 0}), then the
   * oldest until the total is at most {@code maxBytes} (when {@code maxBytes > 0}). Answers the CIDs removed.
   */
  Future<List<Cid>> retain(long maxAgeMs, long maxBytes, long now);

  /** Total bytes stored (one copy per CID). */
  Future<Long> totalBytes();

  /** Runs after any deletion, whatever its cause, so that cache entries referring to the artifact go too. */
  void onDeleted(Consumer<ArtifactDeletion> hook);

  Future<Void> close();
}
