package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.core.cache.CacheSettings;
import io.switchboard.core.cache.ExactCache;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A node's artifacts and cache, built from its configuration in one call: the store (opened when some kind is kept,
 * or when the store is the cluster's shared one, which other nodes may have filled), its retention schedule, the exact
 * cache, and the link between them (every deletion, here or on another node, drops the cache entries that refer to
 * it). The web verticle and the router each hold one; what they call is {@link #keep}, {@link #writer},
 * {@link #store()} and {@link #cache()}.
 */
public final class Artifacts {

  private static final Logger LOG = Logger.getLogger(Artifacts.class.getName());

  private final Vertx vertx;
  private final ArtifactSettings settings;
  private final ArtifactStore store;
  private final ExactCache cache;
  private final ArtifactDeletions deletions;
  private final long retentionTimer;

  private Artifacts(Vertx vertx, ArtifactSettings settings, ArtifactStore store, ExactCache cache, ArtifactDeletions deletions,
                    long retentionTimer) {
    this.vertx = vertx;
    this.settings = settings;
    this.store = store;
    this.cache = cache;
    this.deletions = deletions;
    this.retentionTimer = retentionTimer;
  }

  /** From the configuration's {@code artifacts:} and {@code cache:} slices (either may be null: the defaults). */
  public static Future<Artifacts> start(Vertx vertx, JsonObject artifactsConf, JsonObject cacheConf, Map<String, String> env) {
    ArtifactSettings settings;
    CacheSettings cacheSettings;
    try {
      settings = ArtifactSettings.from(artifactsConf, env);
      cacheSettings = CacheSettings.from(cacheConf);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    boolean needsStore = !settings.keep().isEmpty() || settings.store().equals("postgresql");
    Future<ArtifactStore> store = needsStore ? ArtifactStores.open(vertx, settings) : Future.succeededFuture(null);
    return store.compose(s -> ExactCache.start(vertx, cacheSettings)
      .compose(cache -> ArtifactDeletions.start(vertx, s, cache::forget)
        .map(d -> new Artifacts(vertx, settings, s, cache, d, s == null ? -1 : ArtifactStores.scheduleRetention(vertx, s, settings))))
      .recover(e -> s == null ? Future.failedFuture(e) : s.close().transform(v -> Future.failedFuture(e))));
  }

  public ArtifactSettings settings() {
    return settings;
  }

  /** The store, or null on a node that neither keeps anything nor shares a store. */
  public ArtifactStore store() {
    return store;
  }

  public ExactCache cache() {
    return cache;
  }

  /** True when artifacts of {@code kind} are stored. */
  public boolean keeps(ArtifactKind kind) {
    return store != null && settings.keeps(kind);
  }

  /**
   * Stores {@code bytes} (whose DAG the caller computed as they passed) when {@code tag}'s kind is kept; completes with
   * the info, or null when not kept or when storing failed (logged: keeping an artifact never fails the request).
   */
  public Future<ArtifactInfo> keep(ArtifactTag tag, Buffer bytes, FileDag dag) {
    if (!keeps(tag.kind())) {
      return Future.succeededFuture(null);
    }
    return store.put(tag, bytes, dag).recover(e -> {
      LOG.log(Level.WARNING, "could not keep " + tag.kind().wireName() + " artifact " + dag.root() + ": " + e.getMessage());
      return Future.succeededFuture(null);
    });
  }

  /** A writer for a streamed artifact of {@code tag}'s kind, or null when that kind is not kept. */
  public ArtifactWriter writer(ArtifactTag tag) {
    return keeps(tag.kind()) ? store.writer(tag) : null;
  }

  public Future<Void> stop() {
    if (retentionTimer >= 0) {
      vertx.cancelTimer(retentionTimer);
    }
    return deletions.stop().compose(v -> store == null ? Future.succeededFuture() : store.close());
  }
}
