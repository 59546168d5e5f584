package io.switchboard.core.usage;

import io.vertx.core.MultiMap;

/**
 * Where an HTTP request carries a Switchboard key, read the same way by every entry that checks keys (the router's
 * OpenAI-shaped API, the voice routes): {@code Authorization: Bearer sb-...} first, then {@code x-api-key}. A value
 * not shaped like one of ours ({@link KeyHashes#PREFIX}) is not a Switchboard key, so a provider key sent by mistake
 * is never looked up.
 */
public final class PresentedKey {

  private PresentedKey() {
  }

  /** The Switchboard key in {@code headers}, or null. */
  public static String in(MultiMap headers) {
    String header = headers.get("authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && header.substring(7).trim().startsWith(KeyHashes.PREFIX)) {
      return header.substring(7).trim();
    }
    String apiKey = headers.get("x-api-key");
    return apiKey != null && apiKey.trim().startsWith(KeyHashes.PREFIX) ? apiKey.trim() : null;
  }
}
