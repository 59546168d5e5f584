package io.switchboard.core.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/** What a key has spent in a period according to the usage store: seeds the budget counters. */
@FunctionalInterface
public interface SpentLookup {

  /** Micro-dollars spent by {@code keyId} over {@code [fromMs, toMs)}. */
  Future<Long> spentMicros(String keyId, long fromMs, long toMs);

  /** Asks the usage verticle (op {@code spent} on {@link Addresses#USAGE_QUERY}). */
  static SpentLookup overBus(Vertx vertx) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000);
    return (keyId, from, to) -> vertx.eventBus().<JsonObject>request(Addresses.USAGE_QUERY,
        new JsonObject().put("op", "spent").put("key_id", keyId).put("from", from).put("to", to), options)
      .recover(e -> Future.failedFuture(MeshException.from(e)))
      .map(reply -> reply.body().getLong("cost_micros"));
  }
}
