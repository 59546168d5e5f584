package io.switchboard.core.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks presented API keys on the request path, fast: a key seen before is answered from memory (cached by the
 * key's digest, never the key); a new one is looked up once ({@link KeyLookup}) and checked against its salted
 * hash locally, so the key never leaves this process. Revocations and limit changes drop cached entries at once: each
 * verifier registers in the cluster-wide map {@link io.switchboard.api.Addresses#KEY_VERIFIERS_MAP} and acks every
 * change the key service sends it ({@code {"id", "change": "revoked"|"limits"}}; without {@code change}, a
 * revocation). A changed key is looked up again on its next use. Safe from any thread.
 */
public final class KeyVerifier {

  private record Entry(ApiKey key, long expiresAt) {
  }

  /** The {@code change} of a revocation message. */
  public static final String REVOKED = "revoked";
  /** The {@code change} of a message saying a key's limits changed. */
  public static final String LIMITS = "limits";

  private static final int MAX_ENTRIES = 10_000;

  private final Vertx vertx;
  private final KeyLookup lookup;
  private final long ttlMs;
  private final String instanceId = UUID.randomUUID().toString();
  private final Map<String, Entry> byDigest = new ConcurrentHashMap<>();
  private final Map<String, Entry> byId = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  /** Counts limit changes heard: a lookup that was under way across one does not cache what it read. */
  private final AtomicLong changes = new AtomicLong();
  private MessageConsumer<JsonObject> direct;
  private MessageConsumer<JsonObject> broadcast;
  private MessageConsumer<JsonObject> updates;

  private KeyVerifier(Vertx vertx, KeyLookup lookup, long ttlMs) {
    this.vertx = vertx;
    this.lookup = lookup;
    this.ttlMs = ttlMs;
  }

  /**
   * A verifier listening for revocations. {@code ttlMs} bounds how long a cached key is trusted without looking
   * again (a safety net; revocations normally arrive at once).
   */
  public static Future<KeyVerifier> start(Vertx vertx, KeyLookup lookup, long ttlMs) {
    KeyVerifier v = new KeyVerifier(vertx, lookup, ttlMs);
    return v.listen().map(v);
  }

  /** A verifier whose lookups go over the bus to the key service (for nodes without the usage store). */
  public static Future<KeyVerifier> overBus(Vertx vertx) {
    return start(vertx, KeyLookup.overBus(vertx, 5_000), 300_000);
  }

  private Future<Void> listen() {
    String address = Addresses.keyVerifier(instanceId);
    direct = vertx.eventBus().consumer(address, msg -> {
      heard(msg.body());
      msg.reply(new JsonObject().put("ok", true));
    });
    broadcast = vertx.eventBus().consumer(Addresses.KEYS_REVOKED, msg -> forget(msg.body().getString("id")));
    updates = vertx.eventBus().consumer(Addresses.KEYS_UPDATED, msg -> changed(msg.body().getString("id")));
    return direct.completion()
      .compose(v -> broadcast.completion())
      .compose(v -> updates.completion())
      .compose(v -> vertx.sharedData().<String, String>getAsyncMap(Addresses.KEY_VERIFIERS_MAP))
      .compose(map -> map.put(instanceId, address));
  }

  /**
   * The key's id and limits when {@code plaintext} is a live key; AUTHENTICATION (401) otherwise, with a message
   * that never repeats the key.
   */
  public Future<ApiKey> verify(String plaintext) {
    if (plaintext == null || plaintext.isBlank()) {
      return Future.failedFuture(auth("missing API key"));
    }
    String digest = KeyHashes.cacheKey(plaintext);
    Entry hit = byDigest.get(digest);
    if (hit != null && hit.expiresAt() > System.currentTimeMillis()) {
      return Future.succeededFuture(hit.key());
    }
    String id = KeyHashes.idOf(plaintext);
    if (id == null) {
      return Future.failedFuture(auth("malformed API key (Switchboard keys start with sb-)"));
    }
    long seen = changes.get();
    return lookup.find(id).compose(stored -> {
      if (stored == null || !KeyHashes.sameHash(stored.hash(), KeyHashes.hash(stored.salt(), plaintext))) {
        return Future.failedFuture(auth("invalid API key"));
      }
      if (stored.key().revoked() || revoked.contains(id)) {
        return Future.failedFuture(auth("API key " + id + " has been revoked"));
      }
      remember(digest, stored.key(), seen);
      return Future.succeededFuture(stored.key());
    });
  }

  /** The key's public part by id (cached), for budgets and limits; NOT_FOUND when unknown or revoked. */
  public Future<ApiKey> get(String id) {
    Entry hit = byId.get(id);
    if (hit != null && hit.expiresAt() > System.currentTimeMillis()) {
      return Future.succeededFuture(hit.key());
    }
    long seen = changes.get();
    return lookup.find(id).compose(stored -> {
      if (stored == null || stored.key().revoked() || revoked.contains(id)) {
        return Future.failedFuture(new MeshException(ErrorCode.NOT_FOUND, "no live API key with id " + id, "id"));
      }
      if (byId.size() >= MAX_ENTRIES) {
        byId.clear();
      }
      if (changes.get() == seen) {
        byId.put(id, new Entry(stored.key(), System.currentTimeMillis() + ttlMs));
      }
      return Future.succeededFuture(stored.key());
    });
  }

  private void remember(String digest, ApiKey key, long seen) {
    if (byDigest.size() >= MAX_ENTRIES) {
      byDigest.clear();
    }
    byDigest.put(digest, new Entry(key, System.currentTimeMillis() + ttlMs));
    // A revocation or a limit change that arrived while the lookup was under way wins.
    if (revoked.contains(key.id())) {
      forget(key.id());
    } else if (changes.get() != seen) {
      drop(key.id());
    }
  }

  private void heard(JsonObject change) {
    String id = change.getString("id");
    if (LIMITS.equals(change.getString("change"))) {
      changed(id);
    } else {
      forget(id);
    }
  }

  /** The key's limits changed: its cached entries go, and its next use looks it up again. */
  private void changed(String id) {
    if (id != null) {
      changes.incrementAndGet();
      drop(id);
    }
  }

  private void drop(String id) {
    byDigest.values().removeIf(e -> e.key().id().equals(id));
    byId.remove(id);
  }

  private void forget(String id) {
    if (id == null) {
      return;
    }
    revoked.add(id);
    drop(id);
  }

  private static MeshException auth(String message) {
    return new MeshException(ErrorCode.AUTHENTICATION, message);
  }

  /** Stops listening and leaves the cluster-wide map. */
  public Future<Void> close() {
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.KEY_VERIFIERS_MAP)
      .compose(map -> map.remove(instanceId))
      .eventually(() -> direct.unregister())
      .eventually(() -> broadcast.unregister())
      .eventually(() -> updates.unregister())
      .mapEmpty();
  }
}
