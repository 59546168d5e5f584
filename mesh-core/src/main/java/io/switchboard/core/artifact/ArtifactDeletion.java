package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * An artifact, or some of its claims, went. {@code whole} is true when the bytes are gone. Whatever the reason, cache
 * entries that refer to the CID must go (a holder who deleted its claim asked for what was derived from it to be
 * forgotten too).
 *
 * @param keyId the holder whose claims went ({@link Reason#HOLDER}), else null
 */
public record ArtifactDeletion(Cid cid, Reason reason, String keyId, boolean whole, long timeMs) {

  /**
   * Why: a holder deleted its claims, the admin deleted the artifact, retention removed it, a read found it
   * corrupted, or another node did one of these (applied here; never published again).
   */
  public enum Reason {
    HOLDER, ADMIN, RETENTION, CORRUPTED, ELSEWHERE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Reason parse(String s) {
      return s == null ? ADMIN : valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /** The body published on {@link io.switchboard.api.Addresses#ARTIFACT_DELETED}, from node {@code node}. */
  public JsonObject toJson(String node) {
    return new JsonObject().put("cid", cid.toString()).put("reason", reason.wireName()).put("key_id", keyId)
      .put("whole", whole).put("deleted_ms", timeMs).put("node", node);
  }

  /** Reads a published deletion, with the reason its origin gave. */
  public static ArtifactDeletion fromJson(JsonObject json) {
    return new ArtifactDeletion(Cid.parse(json.getString("cid")), Reason.parse(json.getString("reason")),
      json.getString("key_id"), json.getBoolean("whole", true), json.getLong("deleted_ms", System.currentTimeMillis()));
  }
}
