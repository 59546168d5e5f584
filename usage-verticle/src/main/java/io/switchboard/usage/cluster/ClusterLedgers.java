package io.switchboard.usage.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.pgclient.PgConnectOptions;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One ledger per cluster. The bus balances {@code switchboard.keys}, {@code switchboard.usage.query} and, from a
 * router without a ledger of its own, {@code switchboard.usage} over every usage verticle in the cluster; if each kept
 * its own store, a key created through one router would be unknown to the next request on another, and totals would
 * alternate. So every usage verticle of a cluster must share one store: PostgreSQL, the same database and schema. An
 * embedded (DuckDB) store is one node's, so it may be the only ledger of its cluster; the other routers run with
 * {@code usage.local_ledger: false} and use it over the bus.
 *
 * <p>Each ledger announces its store in a cluster-wide map (one entry per node, removed when it stops; a node that
 * left the cluster without removing it is no longer a member and is not counted). A ledger that would split the
 * cluster's keys and usage is refused at start ({@link LedgerConflictException}), under a cluster-wide lock so that
 * two starting together cannot both pass.
 */
public final class ClusterLedgers {

  static final String MAP = "switchboard.usage.ledgers";
  static final String LOCK = "switchboard.usage.ledgers.lock";
  static final long LOCK_TIMEOUT_MS = 30_000;

  private final AsyncMap<String, String> map;
  private final String nodeId;

  private ClusterLedgers(AsyncMap<String, String> map, String nodeId) {
    this.map = map;
    this.nodeId = nodeId;
  }

  /** What this ledger stores into: the same string on every node that shares the store, never for an embedded one. */
  public record Store(String kind, String identity, boolean shared) {

    /** PostgreSQL: host, port, database and search path (no user or password: they do not make another store). */
    public static Store postgres(String url) {
      PgConnectOptions o = PgConnectOptions.fromUri(url);
      String schema = o.getProperties() == null ? null : o.getProperties().get("search_path");
      return new Store("postgresql", "postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase()
        + (schema == null ? "" : "?search_path=" + schema), true);
    }

    public static Store embedded(String kind, Path file) {
      return new Store(kind, kind + ":" + file.toAbsolutePath(), false);
    }

    /** True when two ledgers with these stores give the same answers. */
    boolean sameAs(Store other) {
      return shared && other.shared && identity.equals(other.identity);
    }

    JsonObject toJson(String node) {
      return new JsonObject().put("node", node).put("kind", kind).put("identity", identity).put("shared", shared);
    }

    static Store fromJson(JsonObject j) {
      return new Store(j.getString("kind"), j.getString("identity"), j.getBoolean("shared", false));
    }
  }

  /**
   * Announces this node's ledger in the cluster, or fails with {@link LedgerConflictException} when a ledger on
   * another member of the cluster keeps its keys and usage elsewhere. Not clustered: nothing to share, succeeds.
   */
  public static Future<ClusterLedgers> join(Vertx vertx, Store store) {
    if (!vertx.isClustered()) {
      return Future.succeededFuture(null);
    }
    var cluster = ((VertxInternal) vertx).clusterManager();
    String nodeId = cluster.getNodeId();
    return vertx.sharedData().getLockWithTimeout(LOCK, LOCK_TIMEOUT_MS).compose(lock ->
      vertx.sharedData().<String, String>getAsyncMap(MAP)
        .compose(map -> map.entries().compose(entries -> {
          Set<String> members = new HashSet<>(cluster.getNodes());
          List<JsonObject> conflicts = entries.entrySet().stream()
            .filter(e -> !e.getKey().equals(nodeId) && members.contains(e.getKey()))
            .map(e -> new JsonObject(e.getValue()))
            .filter(other -> !store.sameAs(Store.fromJson(other)))
            .toList();
          if (!conflicts.isEmpty()) {
            return Future.failedFuture(new LedgerConflictException(message(store, conflicts.get(0))));
          }
          return map.put(nodeId, store.toJson(nodeId).encode()).map(v -> new ClusterLedgers(map, nodeId));
        }))
        .onComplete(ar -> lock.release()));
  }

  /** Takes this node's entry out of the map (the ledger stops). */
  public Future<Void> leave() {
    return map.remove(nodeId).mapEmpty();
  }

  private static String message(Store mine, JsonObject other) {
    Store theirs = Store.fromJson(other);
    String why = !mine.shared() || !theirs.shared()
      ? "an embedded " + (mine.shared() ? theirs.kind() : mine.kind()) + " store serves one node only"
      : "they use different databases (" + mine.identity() + " here, " + theirs.identity() + " there)";
    return "this cluster already has a usage ledger (node " + other.getString("node") + ", " + theirs.kind()
      + " store), and a second one would split API keys and usage between them: " + why + ". One ledger per cluster: "
      + "run this router with usage.local_ledger: false (it uses the cluster's ledger over the bus), or give every "
      + "ledger the same PostgreSQL (usage.postgres_url or SWITCHBOARD_POSTGRES_URL)";
  }
}
