package io.switchboard.core.artifact;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.cid.Cid;

/** A stored artifact does not match its CID (a chunk, a node, or its length): it must not be served. */
public final class CorruptArtifactException extends RuntimeException {

  private final Cid cid;

  public CorruptArtifactException(Cid cid, String what) {
    super("artifact " + cid + " failed verification: " + what, null, false, false);
    this.cid = cid;
  }

  public Cid cid() {
    return cid;
  }

  /** What the reader is told: an internal error (the store removes the artifact; it is never served). */
  public MeshException toMeshException() {
    return new MeshException(ErrorCode.INTERNAL, getMessage() + "; it was removed and is not served");
  }
}
