package io.switchboard.voice;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.voice.auth.CallTokens;
import io.switchboard.voice.call.CallOptions;
import io.switchboard.voice.call.CallServices;
import io.switchboard.voice.call.Call;
import io.switchboard.voice.mode.CallModes;
import io.switchboard.voice.transport.CallOpener;
import io.switchboard.voice.transport.CallTransport;
import io.switchboard.voice.transport.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Opens calls: who is calling (an API key from the upgrade's headers or the call's {@code api_key} parameter,
 * checked by the node's {@link KeyVerifier}; or a {@code token} from {@link CallTokens}), with what settings
 * ({@link CallOptions}, capped by the key's privacy ceiling), on which slot of the node.
 */
final class CallGateway implements CallOpener {

  private final CallServices services;
  /** The caller's key: its id, and the least private class its requests may reach (null: any). */
  private record Caller(String keyId, Privacy ceiling) {
  }

  private final KeyVerifier keys;
  private final CallTokens tokens;
  private final CallRegistry.Slot slot;
  private final CallModes modes;

  CallGateway(CallServices services, KeyVerifier keys, CallTokens tokens, CallRegistry.Slot slot, CallModes modes) {
    this.modes = modes;
    this.services = services;
    this.keys = keys;
    this.tokens = tokens;
    this.slot = slot;
  }

  @Override
  public Future<Call> open(CallTransport transport, JsonObject params, String headerKey, String boundTo) {
    io.vertx.core.Context context = Vertx.currentContext(); // the socket's: the call lives there
    CallOptions options;
    try {
      options = CallOptions.of(services.settings().defaults(), params);
    } catch (ProtocolException e) {
      return Future.failedFuture(MeshException.invalid(null, e.getMessage()));
    }
    return caller(params, headerKey, boundTo).compose(key -> {
      CallOptions capped = key == null || key.ceiling() == null ? options : options.cappedAt(key.ceiling());
      String callId = "call_" + Headers.newRequestId().substring(4);
      return modes.start(services, context, callId, key == null ? null : key.keyId(), transport, capped, params);
    }).map(call -> {
      slot.attach(call);
      return call;
    });
  }

  /** The caller's key (null: none, allowed when keys are not required); AUTHENTICATION when it does not hold. */
  private Future<Caller> caller(JsonObject params, String headerKey, String boundTo) {
    Object token = params.getValue("token");
    if (token != null) {
      try {
        CallTokens.Claims c = tokens.verify(String.valueOf(token), boundTo, System.currentTimeMillis());
        Privacy ceiling = c.privacy() == null ? null : Privacy.parse(c.privacy());
        return Future.succeededFuture(c.keyId() == null ? null : new Caller(c.keyId(), ceiling));
      } catch (MeshException e) {
        return Future.failedFuture(e);
      }
    }
    Object key = headerKey != null ? headerKey : params.getValue("api_key");
    if (key != null) {
      return keys.verify(String.valueOf(key)).map(k -> new Caller(k.id(), k.limits().privacyCeiling()));
    }
    if (services.settings().requireKeys()) {
      return Future.failedFuture(new MeshException(ErrorCode.AUTHENTICATION,
        "this Switchboard requires an API key for calls: an 'api_key' or 'token' call parameter, or an Authorization header"));
    }
    return Future.succeededFuture();
  }
}
