package io.switchboard.voice.auth;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallTokensTest {

  private final CallTokens tokens = new CallTokens("shared-secret-for-the-test", 60_000);

  @Test
  void aTokenStandsForItsKeyUntilItExpires() {
    String t = tokens.mint("k_abc", "local", "CA123", 1_000);
    CallTokens.Claims c = tokens.verify(t, "CA123", 2_000);
    assertEquals("k_abc", c.keyId());
    assertEquals("local", c.privacy());
    assertEquals(61_000, c.expiresAtMs());
    assertTrue(new CallTokens("shared-secret-for-the-test", 1).verify(t, "CA123", 60_999) != null, "another node with the secret reads it");
    assertRefused("call token expired", () -> tokens.verify(t, "CA123", 61_001));
    assertRefused("call token is for another call", () -> tokens.verify(t, "CA999", 2_000));
  }

  @Test
  void forgedOrMangledTokensAreRefused() {
    String t = tokens.mint(null, null, null, 1_000);
    assertNull(tokens.verify(t, "any", 2_000).keyId());
    assertRefused("call token signature does not match", () -> new CallTokens("other-secret", 60_000).verify(t, null, 2_000));
    String forged = t.substring(0, t.indexOf('.') - 2) + "xx" + t.substring(t.indexOf('.'));
    assertRefused("call token signature does not match", () -> tokens.verify(forged, null, 2_000));
    assertRefused("malformed call token", () -> tokens.verify("nodot", null, 2_000));
    assertRefused("malformed call token", () -> tokens.verify("a.b!c", null, 2_000));
  }

  private static void assertRefused(String message, Runnable r) {
    MeshException e = assertThrows(MeshException.class, r::run);
    assertEquals(ErrorCode.AUTHENTICATION, e.errorCode());
    assertEquals(message, e.getMessage());
  }
}
