package io.switchboard.voice.auth;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Short-lived signed tokens that stand for a verified API key, so that a key never has to be written where it could
 * be read: into TwiML (Twilio's webhook gets a token bound to the CallSid) or into a browser page (which fetches a
 * token with its server's key). A token is {@code base64url(payload).base64url(HMAC-SHA256)} with payload
 * {@code {"k": key id or null, "p": privacy ceiling or null, "c": bound call or null, "exp": epoch ms}}. The secret
 * comes from the environment (the same on every voice node of a cluster); without it each node makes its own at
 * start, and a token only works on the node that made it.
 */
public final class CallTokens {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder D64 = Base64.getUrlDecoder();

  /** What a valid token stands for. */
  public record Claims(String keyId, String privacy, String boundTo, long expiresAtMs) {
  }

  private final byte[] secret;
  private final long ttlMs;

  /** @param secret the shared secret, or null for one made here */
  public CallTokens(String secret, long ttlMs) {
    if (secret == null || secret.isBlank()) {
      this.secret = new byte[32];
      new SecureRandom().nextBytes(this.secret);
    } else {
      this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }
    this.ttlMs = ttlMs;
  }

  /** A token for key {@code keyId} (null: a node without keys), optionally bound to one call. */
  public String mint(String keyId, String privacy, String boundTo, long nowMs) {
    JsonObject payload = new JsonObject().put("k", keyId).put("p", privacy).put("c", boundTo).put("exp", nowMs + ttlMs);
    String body = B64.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
    return body + "." + B64.encodeToString(sign(body));
  }

  public long ttlMs() {
    return ttlMs;
  }

  /** The token's claims; AUTHENTICATION (401) when it is forged, expired or bound to another call. */
  public Claims verify(String token, String call, long nowMs) {
    int dot = token == null ? -1 : token.indexOf('.');
    if (dot <= 0) {
      throw auth("malformed call token");
    }
    String body = token.substring(0, dot);
    byte[] given;
    JsonObject payload;
    try {
      given = D64.decode(token.substring(dot + 1));
      if (!MessageDigest.isEqual(given, sign(body))) {
        throw auth("call token signature does not match");
      }
      payload = new JsonObject(new String(D64.decode(body), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | io.vertx.core.json.DecodeException e) {
      throw auth("malformed call token");
    }
    if (payload.getLong("exp", 0L) < nowMs) {
      throw auth("call token expired");
    }
    String bound = payload.getString("c");
    if (bound != null && !bound.equals(call)) {
      throw auth("call token is for another call");
    }
    return new Claims(payload.getString("k"), payload.getString("p"), bound, payload.getLong("exp"));
  }

  private byte[] sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MeshException auth(String message) {
    return new MeshException(ErrorCode.AUTHENTICATION, message);
  }
}
