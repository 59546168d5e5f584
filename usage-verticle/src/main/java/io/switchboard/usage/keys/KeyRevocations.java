package io.switchboard.usage.keys;

import io.switchboard.api.Addresses;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tells every node that a key is revoked. A publish reaches whoever listens but says nothing about when; so
 * besides publishing on {@link Addresses#KEYS_REVOKED}, the revocation is sent to each live {@link KeyVerifier}
 * (found in a cluster-wide map) and waits for its ack: when revoke returns, no verifier in the cluster still
 * accepts the key. A verifier that does not answer is gone; its entry is dropped.
 */
final class KeyRevocations {

  private static final Logger LOG = System.getLogger(KeyRevocations.class.getName());

  private KeyRevocations() {
  }

  static Future<Void> announce(Vertx vertx, String keyId, long timeoutMs) {
    JsonObject msg = new JsonObject().put("id", keyId);
    vertx.eventBus().publish(Addresses.KEYS_REVOKED, msg);
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.KEY_VERIFIERS_MAP).compose(map ->
      map.entries().compose(entries -> {
        List<Future<?>> acks = new ArrayList<>();
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
        for (Map.Entry<String, String> e : entries.entrySet()) {
          acks.add(vertx.eventBus().request(e.getValue(), msg, options).recover(err -> {
            if (err instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
              return map.remove(e.getKey()).mapEmpty();
            }
            LOG.log(Level.WARNING, "key verifier {0} did not confirm the revocation of {1}: {2}", e.getKey(), keyId, err.getMessage());
            return Future.succeededFuture();
          }));
        }
        return Future.join(acks).mapEmpty();
      }));
  }
}
