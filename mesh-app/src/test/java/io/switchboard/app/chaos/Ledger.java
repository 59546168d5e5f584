package io.switchboard.app.chaos;

import io.switchboard.api.Addresses;
import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The ledger as the chaos suite sees it: the one consumer of {@code switchboard.usage} in the node (which runs with
 * {@code usage.local_ledger: false}), keeping every usage record the router sends, by request id, and confirming each
 * as durable as the usage verticle does (the node answers only once its record is confirmed).
 */
final class Ledger {

  private static final JsonObject DURABLE = new JsonObject().put("durable", true);

  private final Map<String, List<UsageRecord>> byRequest = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;

  private Ledger(Vertx vertx) {
    consumer = vertx.eventBus().consumer(Addresses.USAGE, m -> {
      UsageRecord r = UsageRecord.fromJson(m.body());
      byRequest.computeIfAbsent(r.requestId(), k -> new CopyOnWriteArrayList<>()).add(r);
      m.reply(DURABLE);
    });
  }

  static Future<Ledger> start(Vertx vertx) {
    Ledger ledger = new Ledger(vertx);
    return ledger.consumer.completion().map(ledger);
  }

  /** The records of one request (none yet: empty). */
  List<UsageRecord> of(String requestId) {
    return byRequest.getOrDefault(requestId, List.of());
  }

  /** The {@code usage} conf section that sends the router's records here and makes answers wait for them. */
  static JsonObject conf() {
    return new JsonObject().put("enabled", true).put("local_ledger", false).put("durable_answers", true)
      .put("record_timeout_ms", 10_000);
  }
}
