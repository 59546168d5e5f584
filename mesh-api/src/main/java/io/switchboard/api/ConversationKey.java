package io.switchboard.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A stable name for a conversation, the same on every turn: a hash of its opening, that is the leading system (or
 * developer) messages and the first user message, which a client resends unchanged with each turn's growing history.
 * The router sends a chat request to the instance this key prefers among a backend's equally busy instances, so a
 * conversation's turns find that instance's cache of the earlier turns warm (Jlama's prefix cache); the key is only a
 * hint, any instance gives the same answer. Jlama also names its cache entries by it in status. Each message counts
 * as its role and text, length-prefixed so no two openings collide by concatenation. Requests without a user message
 * have no key.
 */
public final class ConversationKey {

  private ConversationKey() {
  }

  /** The key of {@code messages}: 16 hex digits (64 bits of SHA-256), or null when there is no user message. */
  public static String of(List<ChatMessage> messages) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    for (ChatMessage m : messages) {
      String role = m.role().equals("developer") ? "system" : m.role();
      if (!role.equals("system") && !role.equals("user")) {
        return null;
      }
      update(sha, role);
      update(sha, m.text());
      if (role.equals("user")) {
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
      }
    }
    return null;
  }

  private static void update(MessageDigest sha, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    sha.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
    sha.update(b);
  }
}
