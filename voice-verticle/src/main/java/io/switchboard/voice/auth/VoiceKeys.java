package io.switchboard.voice.auth;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Checks a caller's API key with the usage ledger's key service over the bus ({@code switchboard.keys},
 * {@code {"op":"verify","api_key":...}}), the same message any bus client may send, so the voice module needs no
 * part of the ledger. Only the key's id (and its privacy ceiling) comes back; the key never leaves this class. One
 * check per call start, not cached: a call is long and starts rarely. To be replaced by the shared usage client.
 */
public final class VoiceKeys {

  /** The key service's address (usage-verticle's {@code KeyAddresses.KEYS}). */
  static final String KEYS = "switchboard.keys";

  /** A verified key: its id and the most its requests may allow (null: any). */
  public record Key(String id, Privacy ceiling) {
  }

  private final Vertx vertx;

  public VoiceKeys(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The key's id and ceiling; AUTHENTICATION (401) when it is not a live key or cannot be checked. */
  public Future<Key> verify(String apiKey) {
    if (apiKey == null || !apiKey.startsWith("sb-")) {
      return Future.failedFuture(new MeshException(ErrorCode.AUTHENTICATION, "malformed API key (Switchboard keys start with sb-)"));
    }
    return vertx.eventBus().<JsonObject>request(KEYS, new JsonObject().put("op", "verify").put("api_key", apiKey),
        new DeliveryOptions().setSendTimeout(5000))
      .map(reply -> {
        JsonObject key = reply.body().getJsonObject("key", new JsonObject());
        String privacy = key.getJsonObject("limits", new JsonObject()).getString("privacy");
        return new Key(key.getString("id"), privacy == null ? null : Privacy.parse(privacy));
      })
      .recover(e -> Future.failedFuture(refusal(e)));
  }

  private static MeshException refusal(Throwable e) {
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
      return new MeshException(ErrorCode.AUTHENTICATION, "API keys cannot be checked: no usage ledger answers on the bus");
    }
    MeshException m = MeshException.from(e);
    return m.errorCode() == ErrorCode.AUTHENTICATION ? m
      : new MeshException(ErrorCode.AUTHENTICATION, "API key not accepted: " + m.getMessage());
  }
}
