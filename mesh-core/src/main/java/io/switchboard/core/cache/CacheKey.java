package io.switchboard.core.cache;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.core.cid.Cid;

/**
 * An exact-cache key: the CID of a request's canonical form ({@link CacheKeys}), with the artifacts that form names
 * (a transcription's upload), so that deleting one of them drops what was derived from it.
 */
public record CacheKey(Capability capability, Cid cid, ArtifactRefs inputs) {

  /** The key in the shared map: the CID's text. */
  public String id() {
    return cid.toString();
  }
}
