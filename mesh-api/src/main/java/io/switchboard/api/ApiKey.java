package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * The public face of an API key: its id (what logs and usage records carry), name, dates and limits. Never
 * holds the key itself.
 */
public record ApiKey(String id, String name, Instant createdAt, Instant revokedAt, KeyLimits limits) {

  public boolean revoked() {
    return revokedAt != null;
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("name", name)
      .put("created_at", createdAt.toString())
      .put("revoked_at", revokedAt == null ? null : revokedAt.toString())
      .put("limits", limits.toJson());
  }

  public static ApiKey fromJson(JsonObject json) {
    String revoked = json.getString("revoked_at");
    return new ApiKey(json.getString("id"), json.getString("name"), Instant.parse(json.getString("created_at")),
      revoked == null ? null : Instant.parse(revoked), KeyLimits.fromJson(json.getJsonObject("limits")));
  }
}
