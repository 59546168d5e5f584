package io.switchboard.router.web.console;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls open anywhere in the cluster, for the admin page's Calls view ({@code GET /api/v1/voice/calls}): every node
 * that takes calls publishes its own on {@link Addresses#VOICE_CALLS} each second; this keeps the latest report of each
 * and forgets a node not heard from for {@value #STALE_MS} ms (stopped, or gone).
 */
final class VoiceCalls {

  static final long STALE_MS = 5000;

  private record Report(JsonObject body, long at) {
  }

  private final Vertx vertx;
  private final Map<String, Report> nodes = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> consumer;

  VoiceCalls(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.VOICE_CALLS, m -> {
      String id = m.body().getString("node_id");
      if (id != null) {
        nodes.put(id, new Report(m.body(), System.currentTimeMillis()));
      }
    });
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * {@code {"calls":[... each with its "node"],"nodes":[{"node","active","max_calls","draining"}]}}; no node: no voice
   * node in the cluster (or none has reported yet).
   */
  JsonObject answer(long now) {
    nodes.values().removeIf(r -> now - r.at() > STALE_MS);
    List<JsonObject> reports = nodes.values().stream().map(Report::body)
      .sorted(Comparator.comparing((JsonObject b) -> b.getString("node", "")).thenComparing(b -> b.getString("node_id"))).toList();
    JsonArray calls = new JsonArray();
    JsonArray summary = new JsonArray();
    for (JsonObject r : reports) {
      String node = r.getString("node");
      for (Object c : r.getJsonArray("calls", new JsonArray())) {
        calls.add(((JsonObject) c).copy().put("node", node));
      }
      summary.add(new JsonObject().put("node", node).put("active", r.getInteger("active", 0)).put("max_calls", r.getInteger("max_calls"))
        .put("draining", r.getBoolean("draining", false)));
    }
    return new JsonObject().put("calls", calls).put("nodes", summary);
  }
}
