package io.switchboard.api;

import java.util.Locale;

/**
 * What a backend can do. Wire form: the lowercase name. {@link #REALTIME} is a speech-to-speech session over a socket
 * (OpenAI's Realtime API): opened through the router like any request, then a two-way relay for the call's length.
 */
public enum Capability {
  CHAT, TRANSCRIBE, SPEECH, EMBED, REALTIME;

  /** Lower-cased once: it is written on every request (headers, usage records). */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} naming the allowed values. */
  public static Capability parse(String value) {
    return WireNames.parse(Capability.class, value, "capability");
  }
}
