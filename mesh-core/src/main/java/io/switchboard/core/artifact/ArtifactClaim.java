package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.Privacy;
import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * One party's hold on an artifact. The bytes are stored once per CID; the same bytes stored under another key, kind
 * or privacy class add a claim. Access follows the claims ({@link ArtifactAccess}); the bytes go when the last
 * claim does. A claim is identified by key, kind and privacy class; storing again under the same three keeps the
 * first request id and time.
 */
public record ArtifactClaim(ArtifactKind kind, Privacy privacy, String keyId, String requestId, long createdMs) {

  /** True when both claims are held by the same key (two keyless claims are the same holder). */
  public boolean sameHolder(String otherKeyId) {
    return Objects.equals(keyId, otherKeyId);
  }

  /** True when {@code other} names the same key, kind and privacy class. */
  public boolean sameAs(ArtifactClaim other) {
    return kind == other.kind && privacy == other.privacy && sameHolder(other.keyId);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("kind", kind.wireName())
      .put("privacy", privacy.wireName())
      .put("key_id", keyId)
      .put("request_id", requestId)
      .put("created_ms", createdMs);
  }

  public static ArtifactClaim fromJson(JsonObject json) {
    return new ArtifactClaim(ArtifactKind.parse(json.getString("kind")), Privacy.parse(json.getString("privacy")),
      json.getString("key_id"), json.getString("request_id"), json.getLong("created_ms", 0L));
  }
}
