package io.switchboard.core.artifact;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.Privacy;

import java.util.Objects;

/**
 * What a caller says about an artifact it stores: what it is, the privacy class it came with (the request's
 * effective ceiling for an input, the serving backend's class for an output), the API key it came with (null when
 * keys are not in use) and the request it came from.
 */
public record ArtifactTag(ArtifactKind kind, Privacy privacy, String keyId, String requestId) {

  public ArtifactTag {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(privacy, "privacy");
  }

  /** The claim this tag makes at {@code timeMs}. */
  public ArtifactClaim claim(long timeMs) {
    return new ArtifactClaim(kind, privacy, keyId, requestId, timeMs);
  }
}
