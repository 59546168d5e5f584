package io.switchboard.usage.keys;

import io.switchboard.api.KeyLimits;
import io.switchboard.api.StoredKey;
import io.vertx.core.Future;

import java.time.Instant;
import java.util.List;

/** Persistence of API keys; the usage stores implement it beside the ledger. */
public interface KeyStore {

  Future<Void> insertKey(StoredKey key);

  /** The key, or null when there is none with that id. */
  Future<StoredKey> findKey(String id);

  Future<List<StoredKey>> listKeys();

  /** Marks the key revoked; false when it does not exist or was revoked already. */
  Future<Boolean> revokeKey(String id, Instant at);

  /** Replaces a live key's limits; false when it does not exist or is revoked (a revoked key's limits stay as they were). */
  Future<Boolean> updateKeyLimits(String id, KeyLimits limits);
}
