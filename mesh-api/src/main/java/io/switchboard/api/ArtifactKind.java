package io.switchboard.api;

import java.util.Locale;

/**
 * What an artifact is: the audio uploaded for a transcription, the transcript, synthesised speech, a chat answer, an
 * embeddings answer. Wire form: the lowercase name ({@code audio_in}, ...), as in {@code artifacts.keep} and the
 * {@code x-switchboard-artifacts} header.
 */
public enum ArtifactKind {
  AUDIO_IN, TRANSCRIPT, AUDIO_OUT, CHAT, EMBEDDING;

  /** Lower-cased once: it is written on every request (headers, usage records). */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} naming the allowed values. */
  public static ArtifactKind parse(String value) {
    return WireNames.parse(ArtifactKind.class, value, "artifact kind");
  }
}
