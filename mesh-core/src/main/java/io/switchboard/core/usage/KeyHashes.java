package io.switchboard.core.usage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How a presented API key is checked, shared by the key service that stores keys and the {@link KeyVerifier}s that
 * check them. A key reads {@code sb-<id>-<secret>}: the id ({@code k_} and 12 characters) finds the stored row, the
 * secret proves possession. The store keeps SHA-256 of a per-key random salt followed by the whole key, never the key.
 */
public final class KeyHashes {

  /** What every Switchboard key starts with. */
  public static final String PREFIX = "sb-";
  private static final HexFormat HEX = HexFormat.of();

  private KeyHashes() {
  }

  /** The key id inside a presented key, or null when it is not shaped like one of ours. */
  public static String idOf(String plaintext) {
    if (plaintext == null || !plaintext.startsWith(PREFIX) || plaintext.length() > 200) {
      return null;
    }
    int dash = plaintext.indexOf('-', PREFIX.length());
    if (dash < 0 || dash == plaintext.length() - 1) {
      return null;
    }
    String id = plaintext.substring(PREFIX.length(), dash);
    return id.startsWith("k_") && id.length() > 2 ? id : null;
  }

  /** SHA-256 of salt (hex-decoded) then the key, as hex. */
  public static String hash(String salt, String plaintext) {
    MessageDigest md = sha256();
    md.update(HEX.parseHex(salt));
    return HEX.formatHex(md.digest(plaintext.getBytes(StandardCharsets.UTF_8)));
  }

  /** Unsalted digest used only as a cache key in memory, so the cache never holds the key itself. */
  static String cacheKey(String plaintext) {
    return HEX.formatHex(sha256().digest(plaintext.getBytes(StandardCharsets.UTF_8)));
  }

  /** Compares two hex digests in constant time. */
  static boolean sameHash(String a, String b) {
    return a != null && b != null
      && MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
