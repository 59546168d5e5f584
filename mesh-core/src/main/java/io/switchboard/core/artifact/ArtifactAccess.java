package io.switchboard.core.artifact;

import io.switchboard.api.Privacy;

import java.util.Objects;

/**
 * Who asks for an artifact, and what they may do with it. An artifact is served to a key that holds a claim on it
 * (a keyless caller matches keyless claims: without API keys every caller is the same tenant) and only when that
 * claim's privacy class is within the caller's ceiling: never across privacy classes. The admin may read and delete
 * anything. A caller who may not read an artifact is told it does not exist.
 *
 * @param keyId   the caller's API key id, null without keys
 * @param ceiling the caller's privacy ceiling (the key's, capped by the request's {@code privacy})
 * @param admin   true for the admin token
 */
public record ArtifactAccess(String keyId, Privacy ceiling, boolean admin) {

  public ArtifactAccess {
    Objects.requireNonNull(ceiling, "ceiling");
  }

  public static ArtifactAccess ofAdmin() {
    return new ArtifactAccess(null, Privacy.CLOUD, true);
  }

  public boolean mayRead(ArtifactInfo info) {
    return admin || info.claims().stream().anyMatch(c -> c.sameHolder(keyId) && ceiling.allows(c.privacy()));
  }

  /** A holder deletes its own claims (whatever their class); the admin deletes the artifact. */
  public boolean mayDelete(ArtifactInfo info) {
    return admin || info.claims().stream().anyMatch(c -> c.sameHolder(keyId));
  }

  /** What this caller may see of the artifact: every claim for the admin, its own claims for a key. */
  public ArtifactInfo visible(ArtifactInfo info) {
    if (admin) {
      return info;
    }
    return new ArtifactInfo(info.cid(), info.size(), info.createdMs(), info.touchedMs(),
      info.claims().stream().filter(c -> c.sameHolder(keyId) && ceiling.allows(c.privacy())).toList());
  }
}
