package io.switchboard.usage.keys;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.StoredKey;
import io.switchboard.core.usage.KeyHashes;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Creates, lists, reads, updates (limits) and revokes API keys over a {@link KeyStore}. The plaintext key exists
 * only in the answer to {@link #create}; a revocation or a change of limits reaches every {@link KeyVerifier} in
 * the cluster before {@link #revoke} or {@link #update} completes. Logs name keys by id only.
 */
public final class KeyService {

  private static final Logger LOG = System.getLogger(KeyService.class.getName());

  /** The answer to create: the key's public part and, this once, the key itself. */
  record Created(ApiKey key, String plaintext) {
    JsonObject toJson() {
      return new JsonObject().put("key", key.toJson()).put("api_key", plaintext);
    }
  }

  private final Vertx vertx;
  private final KeyStore store;
  private final Supplier<Future<Void>> ready;
  private final long revocationTimeoutMs;
  /** The last change of limits asked for (see {@link #update}). */
  private Future<ApiKey> updates = Future.succeededFuture();

  /** {@code ready}: completes when the store can be used (its schema is migrated). */
  public KeyService(Vertx vertx, KeyStore store, Supplier<Future<Void>> ready, long revocationTimeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.ready = ready;
    this.revocationTimeoutMs = revocationTimeoutMs;
  }

  Future<Created> create(String name, KeyLimits limits) {
    if (name != null && name.length() > 200) {
      return Future.failedFuture(MeshException.invalid("name", "key name longer than 200 characters"));
    }
    String id = KeyCodes.newId();
    String plaintext = KeyCodes.plaintext(id, KeyCodes.newSecret());
    String salt = KeyCodes.newSalt();
    ApiKey key = new ApiKey(id, name, Instant.ofEpochMilli(System.currentTimeMillis()), null, limits);
    return ready.get().compose(v -> store.insertKey(new StoredKey(key, salt, KeyHashes.hash(salt, plaintext)))).map(v -> {
      LOG.log(Level.INFO, "API key {0} created ({1})", id, name);
      return new Created(key, plaintext);
    });
  }

  Future<List<ApiKey>> list() {
    return ready.get().compose(v -> store.listKeys()).map(keys -> keys.stream().map(StoredKey::key).toList());
  }

  /** The key's public part; NOT_FOUND when there is no such key. */
  Future<ApiKey> get(String id) {
    return lookup(id).compose(k -> k == null ? Future.failedFuture(notFound(id)) : Future.succeededFuture(k.key()));
  }

  /** The stored row (with salt and hash) for verifiers; null when there is no such key. */
  public Future<StoredKey> lookup(String id) {
    if (id == null || id.isBlank()) {
      return Future.failedFuture(MeshException.invalid("id", "a key id is required"));
    }
    return ready.get().compose(v -> store.findKey(id));
  }

  /**
   * Changes a live key's limits ({@link KeyLimitsPatch}: the fields named replace the key's, null clears one) and
   * waits until every verifier in the cluster has dropped what it had cached. NOT_FOUND for an unknown key;
   * CONFLICT (param {@code id}) for a revoked one, whose limits no longer matter, also when it was revoked meanwhile. Changes run one after the
   * other: each reads the limits, patches and writes them, and two at once would lose one's fields (the cluster has
   * one ledger, so one key service; its handler runs on one context, where this chain lives).
   */
  Future<ApiKey> update(String id, KeyLimitsPatch patch) {
    Future<ApiKey> next = updates.transform(previous -> updateNow(id, patch));
    updates = next;
    return next;
  }

  private Future<ApiKey> updateNow(String id, KeyLimitsPatch patch) {
    return lookup(id).compose(k -> {
      if (k == null) {
        return Future.failedFuture(notFound(id));
      }
      if (k.key().revoked()) {
        return Future.failedFuture(revoked(id));
      }
      ApiKey key = k.key();
      KeyLimits limits = patch.applyTo(key.limits());
      return store.updateKeyLimits(id, limits).compose(changed -> {
        if (!changed) {
          return Future.failedFuture(revoked(id)); // revoked between the read and the write
        }
        LOG.log(Level.INFO, "API key {0}: limits changed", id);
        return KeyAnnouncements.limitsChanged(vertx, id, revocationTimeoutMs)
          .map(v -> new ApiKey(key.id(), key.name(), key.createdAt(), null, limits));
      });
    });
  }

  /** Revokes the key (again is fine) and waits until every verifier in the cluster has dropped it. */
  Future<ApiKey> revoke(String id) {
    return lookup(id).compose(k -> {
      if (k == null) {
        return Future.failedFuture(notFound(id));
      }
      Instant at = k.key().revoked() ? k.key().revokedAt() : Instant.ofEpochMilli(System.currentTimeMillis());
      return store.revokeKey(id, at)
        .compose(changed -> KeyAnnouncements.revoked(vertx, id, revocationTimeoutMs).map(changed))
        .map(changed -> {
          if (changed) {
            LOG.log(Level.INFO, "API key {0} revoked", id);
          }
          ApiKey key = k.key();
          return new ApiKey(key.id(), key.name(), key.createdAt(), at, key.limits());
        });
    });
  }

  private static MeshException revoked(String id) {
    return new MeshException(ErrorCode.CONFLICT, "API key " + id + " is revoked: its limits can no longer change", "id");
  }

  private static MeshException notFound(String id) {
    return new MeshException(ErrorCode.NOT_FOUND, "no API key with id " + id, "id");
  }
}
