package io.switchboard.router.web;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.usage.KeyVerifier;
import io.switchboard.core.usage.PresentedKey;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * API keys at the HTTP edge. A Switchboard key ({@code sb-...}) comes as {@code Authorization: Bearer} or
 * {@code x-api-key}; it is checked here and only its id travels on ({@code x-switchboard-key-id} to the router, with
 * its privacy ceiling in {@code x-switchboard-key-privacy}). Without {@code require_keys}, a request with no
 * Switchboard key passes (the OpenAI SDKs always send some bearer: one that is not a Switchboard key is ignored), but
 * a Switchboard key that is not valid is refused with 401; with it, every request needs a valid key.
 */
final class KeyAuth {

  private static final Future<Void> PASS = Future.succeededFuture();

  private final KeyVerifier verifier;
  private final boolean requireKeys;

  /** @param verifier null when the mesh runs without a usage ledger (then Switchboard keys cannot be checked) */
  KeyAuth(KeyVerifier verifier, boolean requireKeys) {
    this.verifier = verifier;
    this.requireKeys = requireKeys;
  }

  /** Completes once the request may go on, having put the key's id and ceiling on {@code ctx}; 401 otherwise. */
  Future<Void> authenticate(RoutingContext ctx) {
    String presented = PresentedKey.in(ctx.request().headers());
    if (presented == null) {
      return requireKeys ? Future.failedFuture(new MeshException(ErrorCode.AUTHENTICATION,
        "this Switchboard requires an API key: send 'Authorization: Bearer sb-...' or 'x-api-key: sb-...'")) : PASS;
    }
    if (verifier == null) {
      return Future.failedFuture(new MeshException(ErrorCode.AUTHENTICATION,
        "API keys cannot be checked: this Switchboard runs without its usage ledger (usage.enabled is false)"));
    }
    Future<ApiKey> key = verifier.verify(presented);
    if (key.succeeded()) {
      accept(ctx, key.result());
      return PASS;
    }
    return key.map(k -> {
      accept(ctx, k);
      return null;
    });
  }

  private static void accept(RoutingContext ctx, ApiKey key) {
    ctx.put(Headers.KEY_ID, key.id());
    if (key.limits().privacyCeiling() != null) {
      ctx.put(Headers.KEY_PRIVACY, key.limits().privacyCeiling().wireName());
    }
  }
}
