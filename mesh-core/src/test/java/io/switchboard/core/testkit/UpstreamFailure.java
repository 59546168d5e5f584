package io.switchboard.core.testkit;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a cloud adapter's table of upstream errors checks of each row's failure. */
public final class UpstreamFailure {

  private UpstreamFailure() {
  }

  /**
   * {@code e} has the mesh's {@code code}, says {@code says}, carries the upstream's Retry-After as {@code retryAfterMs}
   * and shows no part of {@code key} (not even its first eight characters).
   */
  public static void assertMapped(MeshException e, ErrorCode code, String says, long retryAfterMs, String key) {
    assertEquals(code, e.errorCode(), e.getMessage());
    assertTrue(e.getMessage().contains(says), e.getMessage());
    assertEquals(retryAfterMs, e.retryAfterMs(), e.getMessage());
    assertFalse(e.getMessage().contains(key.substring(0, 8)), e.getMessage());
  }
}
