package io.switchboard.core.usage;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.StoredKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/** Where a {@link KeyVerifier} finds a key's stored row: in-process (the usage verticle's key service) or over the bus. */
@FunctionalInterface
public interface KeyLookup {

  /** The stored key, or null when no key has that id. */
  Future<StoredKey> find(String id);

  /** Asks the key service on {@link Addresses#KEYS} (op {@code lookup}), wherever it runs in the cluster. */
  static KeyLookup overBus(Vertx vertx, long timeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    return id -> vertx.eventBus().<JsonObject>request(Addresses.KEYS, new JsonObject().put("op", "lookup").put("id", id), options)
      .recover(e -> Future.failedFuture(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
        ? new MeshException(ErrorCode.UNAVAILABLE, "API keys cannot be checked now: no usage ledger (which keeps the keys) "
          + "is reachable on the bus")
        : MeshException.from(e)))
      .map(reply -> {
        JsonObject body = reply.body();
        return body == null || body.getJsonObject("key") == null ? null : StoredKey.fromJson(body);
      });
  }
}
