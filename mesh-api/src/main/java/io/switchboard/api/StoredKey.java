package io.switchboard.api;

import io.vertx.core.json.JsonObject;

/**
 * An API key as stored: its public part and the salted SHA-256 of the plaintext key. The hash lets any node
 * check a presented key without the key ever being stored or sent anywhere.
 */
public record StoredKey(ApiKey key, String salt, String hash) {

  public JsonObject toJson() {
    return new JsonObject().put("key", key.toJson()).put("salt", salt).put("hash", hash);
  }

  public static StoredKey fromJson(JsonObject json) {
    return new StoredKey(ApiKey.fromJson(json.getJsonObject("key")), json.getString("salt"), json.getString("hash"));
  }
}
