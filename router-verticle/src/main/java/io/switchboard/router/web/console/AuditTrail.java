package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The operators' audit list: who changed what and when, through the admin page or the JSON admin API. Entries live in
 * the cluster-wide map {@link Addresses#ADMIN_AUDIT_MAP} (Hazelcast when clustered), so every node shows the same list
 * and a node started later sees what came before; the newest {@value #KEEP} are kept (the map is trimmed on write).
 * Each new entry is also published on {@link Addresses#ADMIN_AUDIT} for the pages open on any node. A node restarted
 * alone, not clustered, starts an empty list: the list is a view of recent changes, not a durable log.
 */
final class AuditTrail {

  static final int KEEP = 500;
  private static final System.Logger LOG = System.getLogger(AuditTrail.class.getName());

  private final Vertx vertx;
  private final String node;
  private final SecureRandom random = new SecureRandom();

  /** @param node this node's name in entries (where the change was made) */
  AuditTrail(Vertx vertx, String node) {
    this.vertx = vertx;
    this.node = node;
  }

  /**
   * Adds an entry: {@code who} made change {@code action} ({@code "POST /api/v1/providers/update"}) with
   * {@code detail} (the request's JSON body, or null), answered with {@code status}.
   */
  Future<JsonObject> record(String who, String from, String action, JsonObject detail, int status) {
    long now = System.currentTimeMillis();
    String id = String.format("%013d-%06x", now, random.nextInt(1 << 24));
    JsonObject entry = new JsonObject().put("id", id).put("time", now).put("who", who).put("from", from)
      .put("action", action).put("detail", detail).put("status", status).put("node", node);
    return map().compose(m -> m.put(id, entry.encode()).compose(v -> trim(m)))
      .recover(err -> {
        LOG.log(System.Logger.Level.WARNING, "audit entry not stored cluster-wide: {0}", err.getMessage());
        return Future.succeededFuture();
      })
      .map(v -> {
        vertx.eventBus().publish(Addresses.ADMIN_AUDIT, entry);
        return entry;
      });
  }

  /** The newest {@code limit} entries, newest first. */
  Future<JsonArray> list(int limit) {
    return map().compose(AsyncMap::entries).map(entries -> {
      List<String> ids = new ArrayList<>(entries.keySet());
      ids.sort(Comparator.reverseOrder());
      JsonArray out = new JsonArray();
      for (String id : ids.subList(0, Math.min(limit, ids.size()))) {
        out.add(new JsonObject(entries.get(id)));
      }
      return out;
    });
  }

  private Future<Void> trim(AsyncMap<String, String> m) {
    return m.size().compose(size -> {
      if (size <= KEEP + KEEP / 10) {
        return Future.succeededFuture();
      }
      return m.keys().compose(keys -> {
        List<String> oldest = new ArrayList<>(keys);
        oldest.sort(Comparator.naturalOrder());
        List<Future<String>> removed = new ArrayList<>();
        for (String id : oldest.subList(0, Math.max(0, oldest.size() - KEEP))) {
          removed.add(m.remove(id));
        }
        return Future.join(removed).mapEmpty();
      });
    });
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.ADMIN_AUDIT_MAP);
  }
}
