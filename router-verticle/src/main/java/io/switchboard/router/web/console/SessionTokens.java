package io.switchboard.router.web.console;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin page's sessions, as signed cookie values: {@code v1.<session id>.<expiry ms>.<name>.<mac>}, the MAC an
 * HMAC-SHA256 under a key derived from the admin token. Any node with the same admin token verifies a session without
 * asking the others (sessions hold across router replicas behind one Service), changing the token ends every session,
 * and the token itself never leaves the server. The CSRF token of a session is an HMAC of its id under the same key:
 * the page reads it from {@code GET /admin/api/session} and sends it with every state-changing call.
 */
final class SessionTokens {

  /** One session: who logged in (the name they gave, for the audit list) and until when. */
  record Session(String id, String name, long expiresAtMs) {

    /** A short, stable label of the session for the audit list ({@code "alice (session 3fA9x2)"}). */
    String who() {
      return name + " (session " + id.substring(0, 6) + ")";
    }
  }

  private static final String VERSION = "v1";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  SessionTokens(String adminToken) {
    this.key = new SecretKeySpec(hmac(new SecretKeySpec(adminToken.getBytes(StandardCharsets.UTF_8), "HmacSHA256"),
      "switchboard admin page sessions v1"), "HmacSHA256");
  }

  /** A new session for {@code name} (already cleaned), valid {@code ttlMs} from {@code nowMs}. */
  Session issue(String name, long nowMs, long ttlMs) {
    byte[] id = new byte[18];
    random.nextBytes(id);
    return new Session(B64.encodeToString(id), name, nowMs + ttlMs);
  }

  /** The cookie value carrying {@code s}. */
  String cookie(Session s) {
    String body = VERSION + "." + s.id() + "." + s.expiresAtMs() + "." + B64.encodeToString(s.name().getBytes(StandardCharsets.UTF_8));
    return body + "." + B64.encodeToString(hmac(key, body));
  }

  /** The session a cookie value carries, or null when it is malformed, forged or expired at {@code nowMs}. */
  Session verify(String cookie, long nowMs) {
    if (cookie == null || cookie.length() > 512) {
      return null;
    }
    int mac = cookie.lastIndexOf('.');
    if (mac < 0) {
      return null;
    }
    String body = cookie.substring(0, mac);
    byte[] presented;
    try {
      presented = B64D.decode(cookie.substring(mac + 1));
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!MessageDigest.isEqual(hmac(key, body), presented)) {
      return null;
    }
    String[] parts = body.split("\\.", -1);
    if (parts.length != 4 || !VERSION.equals(parts[0])) {
      return null;
    }
    try {
      long expires = Long.parseLong(parts[2]);
      if (expires <= nowMs) {
        return null;
      }
      return new Session(parts[1], new String(B64D.decode(parts[3]), StandardCharsets.UTF_8), expires);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The CSRF token of session {@code s}. */
  String csrf(Session s) {
    return B64.encodeToString(hmac(key, "csrf." + s.id()));
  }

  /** True when {@code presented} is the CSRF token of {@code s}; compared in constant time. */
  boolean csrfMatches(Session s, String presented) {
    return presented != null && MessageDigest.isEqual(csrf(s).getBytes(StandardCharsets.US_ASCII),
      presented.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] hmac(SecretKeySpec key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
    }
  }
}
