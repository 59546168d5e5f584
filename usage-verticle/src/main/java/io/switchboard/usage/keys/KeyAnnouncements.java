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
 * Tells every node that a key was revoked or its limits changed. A publish reaches whoever listens but says nothing
 * about when; so besides publishing ({@link Addresses#KEYS_REVOKED}, {@link Addresses#KEYS_UPDATED}), the change is
 * sent to each live {@link KeyVerifier} (found in a cluster-wide map) and waits for its ack: when revoke or update
 * returns, no verifier in the cluster still answers from what it had cached. A verifier that does not answer is gone;
 * its entry is dropped.
 */
final class KeyAnnouncements {

  private static final Logger LOG = System.getLogger(KeyAnnouncements.class.getName());

  private KeyAnnouncements() {
  }

  static Future<Void> revoked(Vertx vertx, String keyId, long timeoutMs) {
    return announce(vertx, Addresses.KEYS_REVOKED, new JsonObject().put("id", keyId).put("change", KeyVerifier.REVOKED), timeoutMs);
  }

  static Future<Void> limitsChanged(Vertx vertx, String keyId, long timeoutMs) {
    return announce(vertx, Addresses.KEYS_UPDATED, new JsonObject().put("id", keyId).put("change", KeyVerifier.LIMITS), timeoutMs);
  }

  private static Future<Void> announce(Vertx vertx, String published, JsonObject msg, long timeoutMs) {
    vertx.eventBus().publish(published, msg);
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.KEY_VERIFIERS_MAP).compose(map ->
      map.entries().compose(entries -> {
        List<Future<?>> acks = new ArrayList<>();
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
        for (Map.Entry<String, String> e : entries.entrySet()) {
          acks.add(vertx.eventBus().request(e.getValue(), msg, options).recover(err -> {
            if (err instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
              return map.remove(e.getKey()).mapEmpty();
            }
            LOG.log(Level.WARNING, "key verifier {0} did not confirm the change ({1}) of key {2}: {3}", e.getKey(),
              msg.getString("change"), msg.getString("id"), err.getMessage());
            return Future.succeededFuture();
          }));
        }
        return Future.join(acks).mapEmpty();
      }));
  }
}
