package io.switchboard.artifact.postgres;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.artifact.ArtifactClaim;
import io.switchboard.core.artifact.ArtifactDeletion;
import io.switchboard.core.artifact.ArtifactInfo;
import io.switchboard.core.artifact.ArtifactReader;
import io.switchboard.core.artifact.ArtifactStore;
import io.switchboard.core.artifact.ArtifactTag;
import io.switchboard.core.artifact.ArtifactWriter;
import io.switchboard.core.artifact.CorruptArtifactException;
import io.switchboard.core.artifact.DeletionHooks;
import io.switchboard.core.artifact.VerifiedReader;
import io.switchboard.core.cid.Cid;
import io.switchboard.core.cid.FileDag;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The shared store for a cluster: PostgreSQL large objects, through the non-blocking Vert.x client (no JDBC, nothing
 * blocks). Any node writes the bytes it holds straight to the database and any node reads any artifact, so an
 * upload goes over the network once, from the node that received it. Bytes already stored are not sent again (the
 * CID is known before the upload starts); two nodes storing the same bytes at once both upload, the second commit
 * finds the row and unlinks its own copy. Reads check every chunk as the file store does; a chunk hash is computed on
 * a worker thread.
 */
public final class PgArtifactStore implements ArtifactStore {

  private static final Logger LOG = Logger.getLogger(PgArtifactStore.class.getName());
  /** Bytes per {@code lo_put}: large enough that a 25 MB upload takes 25 round trips, small enough to bound a row. */
  static final int PUT_BYTES = 1 << 20;
  /** An upload not finished after this long belongs to a node that died; retention unlinks it. */
  static final long ABANDONED_UPLOAD_MS = 3_600_000L;

  private final Vertx vertx;
  private final Pool pool;
  private final LongSupplier clock;
  private final DeletionHooks hooks;

  private PgArtifactStore(Vertx vertx, Pool pool, LongSupplier clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
    this.hooks = new DeletionHooks(clock);
  }

  /** Connects to {@code url} ({@code postgresql://user:password@host:port/db}, a {@code jdbc:} prefix accepted) and creates the tables. */
  public static Future<PgArtifactStore> connect(Vertx vertx, String url, int poolSize) {
    return connect(vertx, url, poolSize, System::currentTimeMillis);
  }

  /** {@link #connect(Vertx, String, int)} with a clock for the artifacts' times (tests of retention). */
  public static Future<PgArtifactStore> connect(Vertx vertx, String url, int poolSize, LongSupplier clock) {
    String uri = url.startsWith("jdbc:") ? url.substring(5) : url;
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(uri);
    } catch (RuntimeException e) {
      // The URL holds a password: never echo it.
      return Future.failedFuture(new IllegalArgumentException("artifacts.postgres_url is not a postgresql:// URL"));
    }
    new PgConnectOptions().getProperties().forEach((k, v) -> {
      if (!options.getProperties().containsKey(k)) {
        options.addProperty(k, v);
      }
    });
    Pool pool = PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(poolSize).setName("switchboard-artifacts-pg"))
      .connectingTo(options)
      .using(vertx)
      .build();
    PgArtifactStore store = new PgArtifactStore(vertx, pool, clock);
    // Two nodes starting together may race on CREATE ... IF NOT EXISTS (a unique violation in the catalogue): again.
    return store.createSchema().recover(e -> store.createSchema()).map(store).onFailure(e -> pool.close());
  }

  private Future<Void> createSchema() {
    return pool.withTransaction(tx -> {
      Future<?> chain = Future.succeededFuture();
      for (String statement : PgArtifactSql.SCHEMA) {
        chain = chain.compose(v -> tx.query(statement).execute());
      }
      return chain;
    }).mapEmpty();
  }

  @Override
  public String kind() {
    return "postgresql";
  }

  @Override
  public Future<ArtifactInfo> put(ArtifactTag tag, Buffer bytes, FileDag dag) {
    if (bytes.length() != dag.size()) {
      return Future.failedFuture(new IllegalArgumentException("the DAG describes " + dag.size() + " bytes, got " + bytes.length()));
    }
    long now = clock.getAsLong();
    return claimIfPresent(dag.root(), tag, now).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture(existing);
      }
      Upload upload = new Upload(tag);
      return upload.write(bytes).compose(v -> upload.end(dag)).onFailure(e -> upload.abort());
    });
  }

  private Future<ArtifactInfo> claimIfPresent(Cid cid, ArtifactTag tag, long now) {
    return pool.withTransaction(tx -> tx.preparedQuery(PgArtifactSql.TOUCH).execute(Tuple.of(cid.toString(), now))
      .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false) : claim(tx, cid, tag, now).map(true)))
      .compose(present -> present ? info(cid) : Future.succeededFuture(null));
  }

  private static Future<Void> claim(SqlClient client, Cid cid, ArtifactTag tag, long now) {
    return client.preparedQuery(PgArtifactSql.CLAIM).execute(Tuple.of(cid.toString(), tag.keyId() == null ? "" : tag.keyId(),
      tag.kind().wireName(), tag.privacy().wireName(), tag.requestId(), now)).mapEmpty();
  }

  @Override
  public ArtifactWriter writer(ArtifactTag tag) {
    return new PgArtifactWriter(new Upload(tag));
  }

  /**
   * One upload into a new large object: pieces are gathered to {@link #PUT_BYTES} (a piece that large goes as it is)
   * and written in order; the end commits the row, or unlinks the copy when another node committed the CID first.
   */
  final class Upload {
    private final ArtifactTag tag;
    private final Future<Long> oid;
    private Future<Void> tail;
    private long offset;
    private Buffer pending = Buffer.buffer();

    Upload(ArtifactTag tag) {
      this.tag = tag;
      this.oid = pool.preparedQuery(PgArtifactSql.START_UPLOAD).execute(Tuple.of(clock.getAsLong()))
        .map(rows -> rows.iterator().next().getLong("oid"));
      this.tail = oid.mapEmpty();
    }

    Future<Void> write(Buffer piece) {
      for (int start = 0; start < piece.length(); ) {
        int room = PUT_BYTES - pending.length();
        int n = Math.min(room, piece.length() - start);
        if (pending.length() == 0 && n == PUT_BYTES) {
          flush(piece.slice(start, start + n)); // a whole block: sent from the caller's buffer, not copied
        } else {
          pending.appendBuffer(piece, start, n);
          if (pending.length() == PUT_BYTES) {
            flush(pending);
            pending = Buffer.buffer();
          }
        }
        start += n;
      }
      return tail;
    }

    private void flush(Buffer block) {
      long at = offset;
      offset += block.length();
      tail = tail.compose(v -> oid.compose(o -> pool.preparedQuery(PgArtifactSql.PUT).execute(Tuple.of(o, at, block)))).mapEmpty();
    }

    Future<ArtifactInfo> end(FileDag dag) {
      if (pending.length() > 0) {
        flush(pending);
        pending = Buffer.buffer();
      }
      long now = clock.getAsLong();
      Cid cid = dag.root();
      return tail.compose(v -> oid).compose(o -> pool.withTransaction(tx -> tx.preparedQuery(PgArtifactSql.INSERT)
          .execute(Tuple.of(cid.toString(), dag.size(), o, Buffer.buffer(dag.packNodes()), now))
          .compose(inserted -> inserted.rowCount() == 1
            ? tx.preparedQuery(PgArtifactSql.FINISH_UPLOAD).execute(Tuple.of(o))
            : tx.preparedQuery(PgArtifactSql.DROP_UPLOAD).execute(Tuple.of(o))
              .compose(dropped -> tx.preparedQuery(PgArtifactSql.TOUCH).execute(Tuple.of(cid.toString(), now))))
          .compose(done -> claim(tx, cid, tag, now))))
        .compose(v -> info(cid));
    }

    void abort() {
      tail.onComplete(ar -> oid.onSuccess(o -> pool.preparedQuery(PgArtifactSql.DROP_UPLOAD).execute(Tuple.of(o))
        .onFailure(e -> LOG.log(Level.FINE, "unlinking an aborted upload (retention will)", e))));
    }
  }

  @Override
  public Future<ArtifactInfo> info(Cid cid) {
    return pool.preparedQuery(PgArtifactSql.INFO).execute(Tuple.of(cid.toString())).map(rows -> info(cid, rows));
  }

  private static ArtifactInfo info(Cid cid, RowSet<Row> rows) {
    if (rows.size() == 0) {
      return null;
    }
    List<ArtifactClaim> claims = new ArrayList<>();
    Row first = null;
    for (Row r : rows) {
      first = first == null ? r : first;
      if (r.getString("kind") != null) {
        String key = r.getString("key_id");
        claims.add(new ArtifactClaim(ArtifactKind.parse(r.getString("kind")), Privacy.parse(r.getString("privacy")),
          key.isEmpty() ? null : key, r.getString("request_id"), r.getLong("claimed_ms")));
      }
    }
    return new ArtifactInfo(cid, first.getLong("size"), first.getLong("created_ms"), first.getLong("touched_ms"), claims);
  }

  @Override
  public Future<ArtifactReader> open(Cid cid) {
    return pool.preparedQuery(PgArtifactSql.OPEN).execute(Tuple.of(cid.toString())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new MeshException(ErrorCode.NOT_FOUND, "no artifact " + cid));
      }
      Row row = rows.iterator().next();
      FileDag dag;
      try {
        dag = FileDag.verify(cid, row.getLong("size"), row.getBuffer("nodes").getBytes());
      } catch (IllegalArgumentException e) {
        CorruptArtifactException c = new CorruptArtifactException(cid, e.getMessage());
        corrupted(c);
        return Future.failedFuture(c.toMeshException());
      }
      long oid = row.getLong("oid");
      return Future.succeededFuture(new VerifiedReader(dag, new Source(cid, oid), this::corrupted));
    });
  }

  /** Reads a leaf with {@code lo_get} and checks it on a worker thread. */
  private final class Source implements VerifiedReader.Source {
    private final Cid cid;
    private final long oid;

    Source(Cid cid, long oid) {
      this.cid = cid;
      this.oid = oid;
    }

    @Override
    public Future<Buffer> read(FileDag.Leaf leaf) {
      return pool.preparedQuery(PgArtifactSql.GET).execute(Tuple.of(oid, leaf.offset(), leaf.length()))
        .recover(e -> Future.failedFuture(new CorruptArtifactException(cid, "its bytes cannot be read (" + e.getMessage() + ")")))
        .compose(rows -> {
          Buffer data = rows.iterator().next().getBuffer("data");
          return vertx.executeBlocking(() -> VerifiedReader.check(cid, leaf, data), false);
        });
    }

    @Override
    public void close() {
      // nothing held between reads: each lo_get is one statement on a pooled connection
    }
  }

  private void corrupted(CorruptArtifactException c) {
    hooks.removeCorrupted(c, () -> pool.preparedQuery(PgArtifactSql.DELETE).execute(Tuple.of(c.cid().toString())));
  }

  @Override
  public Future<Boolean> deleteClaims(Cid cid, String keyId, ArtifactDeletion.Reason reason) {
    return pool.withTransaction(tx -> tx.preparedQuery(PgArtifactSql.DELETE_CLAIMS).execute(Tuple.of(cid.toString(), keyId == null ? "" : keyId))
      .compose(claims -> claims.rowCount() == 0 ? Future.succeededFuture((Boolean) null)
        : tx.preparedQuery(PgArtifactSql.DELETE_UNCLAIMED).execute(Tuple.of(cid.toString())).map(gone -> gone.size() > 0)))
      .map(whole -> hooks.claimsDeleted(cid, keyId, reason, whole));
  }

  @Override
  public Future<Boolean> delete(Cid cid, ArtifactDeletion.Reason reason) {
    return pool.preparedQuery(PgArtifactSql.DELETE).execute(Tuple.of(cid.toString())).map(rows -> hooks.deleted(cid, reason, rows.size() > 0));
  }

  @Override
  public Future<List<Cid>> retain(long maxAgeMs, long maxBytes, long now) {
    List<Cid> removed = new ArrayList<>();
    Future<Void> chain = pool.preparedQuery(PgArtifactSql.RETAIN_UPLOADS).execute(Tuple.of(now - ABANDONED_UPLOAD_MS)).mapEmpty();
    if (maxAgeMs > 0) {
      chain = chain.compose(v -> pool.preparedQuery(PgArtifactSql.RETAIN_AGE).execute(Tuple.of(now - maxAgeMs)))
        .map(rows -> collect(rows, removed));
    }
    if (maxBytes > 0) {
      chain = chain.compose(v -> pool.preparedQuery(PgArtifactSql.RETAIN_SIZE).execute(Tuple.of(maxBytes)))
        .map(rows -> collect(rows, removed));
    }
    return chain.map(v -> hooks.retained(removed, now));
  }

  private static Void collect(RowSet<Row> rows, List<Cid> into) {
    rows.forEach(r -> into.add(Cid.parse(r.getString("cid"))));
    return null;
  }

  @Override
  public Future<Long> totalBytes() {
    return pool.query(PgArtifactSql.TOTAL).execute().map(rows -> rows.iterator().next().getLong("total"));
  }

  @Override
  public void onDeleted(Consumer<ArtifactDeletion> hook) {
    hooks.add(hook);
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
