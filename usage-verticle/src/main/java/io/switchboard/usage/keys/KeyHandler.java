package io.switchboard.usage.keys;

import io.switchboard.api.Addresses;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.core.bus.BusOps;
import io.switchboard.core.usage.KeyVerifier;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Answers {@link Addresses#KEYS}: {@code create} ({@code name}, limits in {@code limits} or at the top level;
 * answers the key once, in {@code api_key}), {@code list}, {@code get} / {@code revoke} ({@code id}), {@code update}
 * ({@code id}, {@code limits}: the limits to change, as a JSON merge patch, see {@link KeyLimitsPatch}),
 * {@code verify} ({@code api_key}; for callers outside the JVM) and {@code lookup} ({@code id}; the salted hash,
 * for {@link KeyVerifier}s on other nodes).
 */
public final class KeyHandler implements Handler<Message<JsonObject>> {

  private final KeyService keys;
  private final KeyVerifier verifier;

  public KeyHandler(KeyService keys, KeyVerifier verifier) {
    this.keys = keys;
    this.verifier = verifier;
  }

  @Override
  public void handle(Message<JsonObject> msg) {
    BusOps.start(msg.body(), "key request", ClassCastException.class, body -> {
      String op = body.getString("op");
      return switch (op == null ? "" : op) {
        case "create" -> keys.create(body.getString("name"), KeyLimits.fromJson(body.getJsonObject("limits", body)))
          .map(KeyService.Created::toJson);
        case "list" -> keys.list().map(list -> {
          JsonArray out = new JsonArray();
          list.forEach(k -> out.add(k.toJson()));
          return new JsonObject().put("keys", out);
        });
        case "get" -> keys.get(body.getString("id")).map(k -> new JsonObject().put("key", k.toJson()));
        case "update" -> keys.update(body.getString("id"), KeyLimitsPatch.of(body.getValue("limits")))
          .map(k -> new JsonObject().put("key", k.toJson()));
        case "revoke" -> keys.revoke(body.getString("id")).map(k -> new JsonObject().put("key", k.toJson()));
        case "verify" -> verifier.verify(body.getString("api_key")).map(k -> new JsonObject().put("key", k.toJson()));
        case "lookup" -> keys.lookup(body.getString("id")).map(k -> k == null ? new JsonObject() : k.toJson());
        default -> throw MeshException.invalid("op", "unknown op '" + op + "' (create, list, get, update, revoke, verify, lookup)");
      };
    }).onComplete(ar -> msg.reply(ar.succeeded() ? ar.result() : failure(ar.cause())));
  }

  private static MeshException failure(Throwable t) {
    if (t instanceof MeshException m) {
      return m;
    }
    return new MeshException(ErrorCode.UNAVAILABLE, "key store unavailable: " + t.getClass().getSimpleName());
  }
}
