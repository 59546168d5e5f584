package io.switchboard.router.web.console;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signed session cookies and their CSRF tokens. */
class SessionTokensTest {

  private final SessionTokens tokens = new SessionTokens("the-admin-token");

  @Test
  void aSessionComesBackFromItsCookieUntilItExpires() {
    SessionTokens.Session s = tokens.issue("alice", 1_000, 60_000);
    String cookie = tokens.cookie(s);
    assertFalse(cookie.contains("the-admin-token"));
    assertEquals(s, tokens.verify(cookie, 30_000));
    assertNull(tokens.verify(cookie, 61_000), "expired");
    assertTrue(s.who().startsWith("alice (session "), s.who());
  }

  @Test
  void aChangedCookieIsRefused() {
    SessionTokens.Session s = tokens.issue("alice", 1_000, 60_000);
    String cookie = tokens.cookie(s);
    String[] parts = cookie.split("\\.");
    String longer = parts[0] + "." + parts[1] + "." + (s.expiresAtMs() + 86_400_000L) + "." + parts[3] + "." + parts[4];
    assertNull(tokens.verify(longer, 2_000), "a later expiry with the old signature");
    String renamed = cookie.replace(parts[3], "Ym9i"); // "bob"
    assertNull(tokens.verify(renamed, 2_000));
    assertNull(tokens.verify(cookie.substring(0, cookie.length() - 2), 2_000));
    assertNull(tokens.verify("garbage", 2_000));
    assertNull(tokens.verify(null, 2_000));
    assertNull(new SessionTokens("another-token").verify(cookie, 2_000), "another admin token: every session ends");
  }

  @Test
  void theCsrfTokenBelongsToItsSession() {
    SessionTokens.Session a = tokens.issue("alice", 1_000, 60_000);
    SessionTokens.Session b = tokens.issue("alice", 1_000, 60_000);
    assertNotEquals(a.id(), b.id());
    assertTrue(tokens.csrfMatches(a, tokens.csrf(a)));
    assertFalse(tokens.csrfMatches(a, tokens.csrf(b)));
    assertFalse(tokens.csrfMatches(a, null));
    assertFalse(tokens.csrfMatches(a, ""));
  }

  @Test
  void operatorNamesAreCleaned() {
    assertEquals("alice", OperatorName.clean("alice"));
    assertEquals("operator", OperatorName.clean(""));
    assertEquals("operator", OperatorName.clean(null));
    assertEquals("operator", OperatorName.clean(42));
    assertEquals("bob scriptalert1script", OperatorName.clean("bob <script>alert(1)</script>"));
    assertEquals(40, OperatorName.clean("x".repeat(100)).length());
  }
}
