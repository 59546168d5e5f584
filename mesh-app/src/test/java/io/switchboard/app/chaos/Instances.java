package io.switchboard.app.chaos;

import io.switchboard.api.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each backend instance says of its own load in its heartbeats on {@code switchboard.registry}: the requests it
 * runs and the ones it queues. A request the adapter never finished (an upstream call it did not let go of) keeps a
 * permit, and shows here as a count that never returns to 0.
 */
final class Instances {

  /** The latest heartbeat's {@code inflight + queued} of each backend id. */
  private final Map<String, Integer> busy = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  private Instances(Vertx vertx) {
    consumer = vertx.eventBus().consumer(Addresses.REGISTRY, m -> busy.put(m.body().getString("id"),
      m.body().getInteger("inflight", 0) + m.body().getInteger("queued", 0)));
  }

  static Future<Instances> start(Vertx vertx) {
    Instances i = new Instances(vertx);
    return i.consumer.completion().map(i);
  }

  /** Requests {@code backendId} ran or queued at its last heartbeat; -1 before it sent one. */
  int busy(String backendId) {
    return busy.getOrDefault(backendId, -1);
  }
}
