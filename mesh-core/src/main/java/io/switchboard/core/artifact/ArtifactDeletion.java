package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.vertx.core.json.JsonObject;

/**
 * An artifact (or some of its claims) went. {@code whole} is true when the bytes are gone; either way, cache entries
 * that refer to the CID must go (a holder who deleted its claim asked for what was derived from it to be forgotten).
 */
public record ArtifactDeletion(Cid cid, Reason reason, boolean whole, long timeMs) {

  public enum Reason { HOLDER, ADMIN, RETENTION, CORRUPTED, ELSEWHERE }

  /** The body published on {@link io.switchboard.api.Addresses#ARTIFACT_DELETED}. */
  public JsonObject toJson() {
    return new JsonObject().put("cid", cid.toString()).put("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
      .put("whole", whole).put("deleted_ms", timeMs);
  }

  /** Reads a published deletion; it happened on another node. */
  public static ArtifactDeletion fromJson(JsonObject json) {
    return new ArtifactDeletion(Cid.parse(json.getString("cid")), Reason.ELSEWHERE, json.getBoolean("whole", true),
      json.getLong("deleted_ms", System.currentTimeMillis()));
  }
}
