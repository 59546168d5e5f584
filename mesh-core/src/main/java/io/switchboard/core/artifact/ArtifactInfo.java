package io.switchboard.core.artifact;

import io.switchboard.core.cid.Cid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A stored artifact: its CID, length, when its bytes were first stored and last stored or claimed again (retention
 * goes by the latter, oldest first), and its claims.
 */
public record ArtifactInfo(Cid cid, long size, long createdMs, long touchedMs, List<ArtifactClaim> claims) {

  public ArtifactInfo {
    claims = List.copyOf(claims);
  }

  /** The JSON an admin or the artifact's key sees ({@code GET /v1/artifacts/{cid}?format=info}). */
  public JsonObject toJson() {
    JsonArray c = new JsonArray();
    claims.forEach(claim -> c.add(claim.toJson()));
    return new JsonObject()
      .put("cid", cid.toString())
      .put("size", size)
      .put("created_ms", createdMs)
      .put("touched_ms", touchedMs)
      .put("claims", c);
  }
}
