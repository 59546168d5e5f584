package io.switchboard.api;

import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The CIDs of a request's input and output ({@code audio_in} and {@code transcript} for a transcription, ...), as a
 * response carries them: the {@value #HEADER} HTTP header ({@code audio_in=bafy...; transcript=bafk...}) and the
 * {@value #FIELD} object of a bus reply and of the usage record ({@code {"audio_in": "bafy...", ...}}). A CID is
 * given whether or not the artifact was kept.
 */
public record ArtifactRefs(Map<ArtifactKind, String> cids) {

  public static final String HEADER = Headers.ARTIFACTS;
  public static final String FIELD = "artifacts";
  public static final ArtifactRefs NONE = new ArtifactRefs(Map.of());

  public ArtifactRefs {
    EnumMap<ArtifactKind, String> copy = new EnumMap<>(ArtifactKind.class);
    copy.putAll(cids);
    cids = Collections.unmodifiableMap(copy);
  }

  /** These refs and {@code kind = cid}. */
  public ArtifactRefs with(ArtifactKind kind, String cid) {
    EnumMap<ArtifactKind, String> copy = new EnumMap<>(ArtifactKind.class);
    copy.putAll(cids);
    copy.put(kind, cid);
    return new ArtifactRefs(copy);
  }

  public boolean isEmpty() {
    return cids.isEmpty();
  }

  /** {@code audio_in=bafy...; transcript=bafk...}, kinds in their declared order. */
  public String toHeader() {
    StringBuilder sb = new StringBuilder();
    cids.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "; ").append(k.wireName()).append('=').append(v));
    return sb.toString();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    cids.forEach((k, v) -> json.put(k.wireName(), v));
    return json;
  }

  /** Reads {@link #toJson()}; null gives {@link #NONE}; an unknown kind is an {@link IllegalArgumentException}. */
  public static ArtifactRefs fromJson(JsonObject json) {
    if (json == null) {
      return NONE;
    }
    EnumMap<ArtifactKind, String> map = new EnumMap<>(ArtifactKind.class);
    json.forEach(e -> map.put(ArtifactKind.parse(e.getKey()), String.valueOf(e.getValue())));
    return new ArtifactRefs(map);
  }
}
