package io.switchboard.usage.keys;

import io.switchboard.core.usage.KeyHashes;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * New API keys: {@code sb-<id>-<secret>}, the id {@code k_} and 12 characters, the secret 32 base-62 characters
 * (about 190 bits), and a per-key random salt for the stored hash ({@link KeyHashes}).
 */
final class KeyCodes {

  private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private KeyCodes() {
  }

  static String newId() {
    return "k_" + random(12, 36);
  }

  static String newSecret() {
    return random(32, 62);
  }

  static String plaintext(String id, String secret) {
    return KeyHashes.PREFIX + id + "-" + secret;
  }

  static String newSalt() {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return HEX.formatHex(salt);
  }

  private static String random(int length, int alphabetSize) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(alphabetSize)));
    }
    return sb.toString();
  }
}
