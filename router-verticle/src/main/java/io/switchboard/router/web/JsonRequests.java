package io.switchboard.router.web;

import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/**
 * The gate of every JSON endpoint: checks the API key (401), parses a JSON object body (415 for another content type,
 * 400 for broken JSON) and merges the policy headers into it. A refusal, or a failure the handler throws before the
 * request reaches the router, is answered through {@link EdgeRecords}, which records it when it is a capability's.
 */
final class JsonRequests {

  /** An endpoint's work once its body is a JSON object; it may throw a {@link MeshException} to refuse. */
  @FunctionalInterface
  interface JsonHandler {
    void handle(RoutingContext ctx, JsonObject body);
  }

  private final KeyAuth auth;
  private final EdgeRecords edge;

  JsonRequests(KeyAuth auth, EdgeRecords edge) {
    this.auth = auth;
    this.edge = edge;
  }

  /**
   * The admin routes' body: the request's JSON object (empty when there is no body), or null once a 400 has been sent.
   * Key, content type and policy headers are not theirs to check (the admin token is).
   */
  static JsonObject optionalObject(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    try {
      return raw == null || raw.length() == 0 ? new JsonObject() : new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      HttpErrors.send(ctx.response(), MeshException.invalid(null, "the request body must be a JSON object"));
      return null;
    }
  }

  /** A route handler for a request of {@code capability} (null: not a capability's; its refusals are not recorded). */
  Handler<RoutingContext> of(Capability capability, JsonHandler handler) {
    return ctx -> {
      Future<Void> authenticated = auth.authenticate(ctx);
      if (authenticated.succeeded()) {
        parsed(ctx, capability, handler);
      } else {
        authenticated.onComplete(ar -> {
          if (ar.failed()) {
            edge.refuse(ctx, capability, ar.cause());
          } else {
            parsed(ctx, capability, handler);
          }
        });
      }
    };
  }

  private void parsed(RoutingContext ctx, Capability capability, JsonHandler handler) {
    try {
      String contentType = ctx.request().getHeader("content-type");
      if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new MeshException(ErrorCode.UNSUPPORTED_MEDIA, "Content-Type must be application/json"
          + (contentType == null ? "" : ", got " + contentType.split(";")[0]));
      }
      Buffer raw = ctx.body().buffer();
      if (raw == null || raw.length() == 0) {
        throw MeshException.invalid(null, "the request body is empty; expected a JSON object");
      }
      Object parsed;
      try {
        parsed = JsonText.value(raw);
      } catch (DecodeException e) {
        throw MeshException.invalid(null, "the request body is not valid JSON");
      }
      if (!(parsed instanceof JsonObject json)) {
        throw MeshException.invalid(null, "the request body must be a JSON object, got " + (parsed instanceof JsonArray ? "an array" : "a value"));
      }
      Object cache = json.getValue(CacheStatus.REQUEST_FIELD);
      if (cache != null && !(cache instanceof Boolean)) {
        throw MeshException.invalid(CacheStatus.REQUEST_FIELD, "'cache' must be true or false");
      }
      PolicyHeaders.mergeInto(ctx.request().headers(), json);
      handler.handle(ctx, json);
    } catch (RuntimeException e) {
      edge.refuse(ctx, capability, e);
    }
  }
}
