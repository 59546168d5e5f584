package io.switchboard.core.cache;

import io.switchboard.core.artifact.ArtifactDeletion;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.switchboard.core.cache.CacheStats.Count.DENIED;
import static io.switchboard.core.cache.CacheStats.Count.EVICTED;
import static io.switchboard.core.cache.CacheStats.Count.FORGOTTEN;
import static io.switchboard.core.cache.CacheStats.Count.MISS;
import static io.switchboard.core.cache.CacheStats.Count.STORED;
import static io.switchboard.core.cache.CacheStats.Count.TOO_LARGE;

/**
 * The exact cache: answers of deterministic requests, keyed by the CID of their canonical form, in a map shared by
 * every node of the cluster (Vert.x's cluster-wide {@link AsyncMap}: Hazelcast in a cluster, a local map on a single
 * node), each entry expiring after its capability's TTL.
 *
 * <p>Privacy: a hit is served only when {@link CacheAudience#allows} says the asker could have been sent to the
 * backend that produced it. Deletion: when an artifact goes ({@link #forget}, on every node), the entries this node
 * wrote that refer to it are removed, and its CID is remembered (here and in a shared map for nodes that join later)
 * for the longest TTL, so that an entry written by a node since gone is never served either. The cache never fails a
 * request: a map that errs or answers slower than {@code lookup_timeout_ms} counts as a miss.
 */
public final class ExactCache {

  private static final Logger LOG = Logger.getLogger(ExactCache.class.getName());
  /** The shared map of entries: CID of the canonical request form to {@link CachedAnswer#encode()}. */
  public static final String ENTRIES_MAP = "switchboard.cache";
  /** Artifact CIDs deleted within the longest TTL, to the time of their deletion. */
  public static final String DELETED_MAP = "switchboard.cache.deleted";

  private final Vertx vertx;
  private final CacheSettings settings;
  private final AsyncMap<String, Buffer> entries;
  private final AsyncMap<String, Long> deletedShared;
  private final Map<String, Long> deleted = new ConcurrentHashMap<>();
  private final OwnEntries own = new OwnEntries();
  private final CacheStats stats = new CacheStats();
  private final CacheKeys keys;
  private final LongSupplier clock;

  private ExactCache(Vertx vertx, CacheSettings settings, AsyncMap<String, Buffer> entries, AsyncMap<String, Long> deletedShared,
                     LongSupplier clock) {
    this.vertx = vertx;
    this.settings = settings;
    this.entries = entries;
    this.deletedShared = deletedShared;
    this.keys = new CacheKeys(settings.keyScoped());
    this.clock = clock;
  }

  /** Joins the cluster's cache (or makes this node's, without a cluster) and learns the deletions it must honour. */
  public static Future<ExactCache> start(Vertx vertx, CacheSettings settings) {
    return start(vertx, settings, System::currentTimeMillis);
  }

  static Future<ExactCache> start(Vertx vertx, CacheSettings settings, LongSupplier clock) {
    Future<AsyncMap<String, Buffer>> entries = vertx.sharedData().getAsyncMap(ENTRIES_MAP);
    Future<AsyncMap<String, Long>> deleted = vertx.sharedData().getAsyncMap(DELETED_MAP);
    return Future.all(entries, deleted).compose(v -> {
      ExactCache cache = new ExactCache(vertx, settings, entries.result(), deleted.result(), clock);
      return deleted.result().entries().map(known -> {
        cache.deleted.putAll(known);
        return cache;
      });
    });
  }

  /** The canonicalisers under this cache's scope. */
  public CacheKeys keys() {
    return keys;
  }

  public CacheSettings settings() {
    return settings;
  }

  public CacheStats stats() {
    return stats;
  }

  /** Bytes and entries this node has in the shared map (what {@code max_bytes} bounds). */
  public long ownBytes() {
    return own.bytes();
  }

  public int ownEntries() {
    return own.count();
  }

  /**
   * The answer for {@code key} when there is one {@code audience} may be given; else null (a miss). Counts a hit
   * (with the cost it saved) or a miss.
   */
  public Future<CachedAnswer> lookup(CacheKey key, CacheAudience audience) {
    Future<Buffer> read = entries.get(key.id());
    if (read.isComplete()) {
      // The local map (a node without a cluster) answers at once: nothing to time out, no timer set and cancelled.
      return Future.succeededFuture(read(key, read, audience));
    }
    Promise<CachedAnswer> result = Promise.promise();
    long timer = vertx.setTimer(settings.lookupTimeoutMs(), t -> {
      if (result.tryComplete(null)) {
        stats.count(key.capability(), MISS);
        LOG.fine("cache lookup slower than " + settings.lookupTimeoutMs() + " ms: a miss");
      }
    });
    read.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (!result.future().isComplete()) {
        result.complete(read(key, ar, audience));
      }
    });
    return result.future();
  }

  /** What a completed map read gives {@code audience}: the answer, or null (a miss: none, failed, refused). */
  private CachedAnswer read(CacheKey key, AsyncResult<Buffer> ar, CacheAudience audience) {
    if (ar.failed()) {
      LOG.log(Level.FINE, "cache lookup failed: a miss", ar.cause());
      stats.count(key.capability(), MISS);
      return null;
    }
    return found(key, ar.result(), audience);
  }

  private CachedAnswer found(CacheKey key, Buffer value, CacheAudience audience) {
    if (value == null) {
      stats.count(key.capability(), MISS);
      return null;
    }
    CachedAnswer answer;
    try {
      answer = CachedAnswer.decode(value);
    } catch (IllegalArgumentException e) {
      entries.remove(key.id());
      stats.count(key.capability(), MISS);
      return null;
    }
    if (refersToDeleted(answer, key)) {
      entries.remove(key.id());
      stats.count(key.capability(), FORGOTTEN);
      stats.count(key.capability(), MISS);
      return null;
    }
    if (!audience.allows(answer)) {
      stats.count(key.capability(), DENIED);
      return null;
    }
    stats.onHit(key.capability(), answer.costUsd());
    return answer;
  }

  /**
   * Keeps {@code answer} under {@code key} for its capability's TTL, unless it is larger than
   * {@code max_entry_bytes}; then evicts this node's oldest entries beyond {@code max_bytes}. Completes when done,
   * never failed.
   */
  public Future<Void> store(CacheKey key, CachedAnswer answer) {
    Buffer value = answer.encode();
    if (value.length() > settings.maxEntryBytes()) {
      stats.count(key.capability(), TOO_LARGE);
      return Future.succeededFuture();
    }
    long ttl = settings.ttl(key.capability());
    Set<String> refs = new HashSet<>(key.inputs().cids().values());
    refs.addAll(answer.artifacts().cids().values());
    return entries.put(key.id(), value, ttl).map(v -> {
      stats.count(key.capability(), STORED);
      long now = clock.getAsLong();
      for (OwnEntries.Own old : own.add(new OwnEntries.Own(key.id(), key.capability(), value.length(), now + ttl, refs),
        settings.maxBytes(), now)) {
        entries.remove(old.key());
        stats.count(old.capability(), EVICTED);
      }
      // A deletion that arrived while the entry was being written: it must not stay.
      if (refersToDeleted(answer, key)) {
        entries.remove(key.id());
        own.remove(key.id());
      }
      return (Void) null;
    }).recover(e -> {
      LOG.log(Level.FINE, "cache store failed", e);
      return Future.succeededFuture();
    });
  }

  /**
   * An artifact was deleted (on any node: {@code ArtifactDeletions} calls this everywhere): entries written before the
   * deletion that refer to it are never served again, and the ones this node wrote are removed (completes when they
   * are; never fails).
   */
  public Future<Void> forget(ArtifactDeletion deletion) {
    String cid = deletion.cid().toString();
    deleted.merge(cid, deletion.timeMs(), Math::max);
    List<Future<?>> removals = new ArrayList<>();
    removals.add(deletedShared.put(cid, deletion.timeMs(), settings.longestTtl()));
    for (OwnEntries.Own o : own.referencing(cid)) {
      removals.add(entries.remove(o.key()));
      stats.count(o.capability(), FORGOTTEN);
    }
    long horizon = clock.getAsLong() - settings.longestTtl();
    deleted.values().removeIf(t -> t < horizon);
    return Future.join(removals).<Void>mapEmpty().recover(e -> {
      LOG.log(Level.FINE, "could not remove every entry of a deleted artifact (they are not served anyway)", e);
      return Future.succeededFuture();
    });
  }

  private boolean refersToDeleted(CachedAnswer answer, CacheKey key) {
    if (deleted.isEmpty()) {
      return false;
    }
    for (String cid : key.inputs().cids().values()) {
      Long at = deleted.get(cid);
      if (at != null && answer.createdMs() <= at) {
        return true;
      }
    }
    for (String cid : answer.artifacts().cids().values()) {
      Long at = deleted.get(cid);
      if (at != null && answer.createdMs() <= at) {
        return true;
      }
    }
    return false;
  }
}
