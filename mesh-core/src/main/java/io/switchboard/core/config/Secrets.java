package io.switchboard.core.config;

/** Keeps secrets out of text that may reach logs, status pages or error bodies. */
public final class Secrets {

  private Secrets() {
  }

  /** {@code text} with every occurrence of {@code secret} (and of a long prefix of it) replaced by {@code ***}. */
  public static String redact(String text, String secret) {
    if (text == null || secret == null || secret.length() < 4) {
      return text;
    }
    String out = text.replace(secret, "***");
    // Providers often echo a key's first characters ("Incorrect API key provided: sk-abc1****"): drop those too.
    if (secret.length() >= 12) {
      out = out.replace(secret.substring(0, 8), "***");
    }
    return out;
  }
}
