package io.switchboard.router.health;

import java.util.HashMap;
import java.util.Map;

/**
 * Backends that answered 429 with a Retry-After: none is sent a request before its wait is over. Owned by the
 * router's event loop.
 */
public final class Cooldowns {

  private final Map<String, Long> until = new HashMap<>();

  /** Records a wait of {@code retryAfterMs} from {@code nowMs}; a longer wait already recorded stays. */
  public void rateLimited(String backendId, long nowMs, long retryAfterMs) {
    if (retryAfterMs > 0) {
      until.merge(backendId, nowMs + retryAfterMs, Math::max);
    }
  }

  /** Epoch ms before which the backend must not be sent requests; 0 when it may be now. */
  public long until(String backendId) {
    Long u = until.get(backendId);
    return u == null ? 0 : u;
  }

  /** Forgets waits that are over (called from a periodic sweep). */
  public void sweep(long nowMs) {
    until.values().removeIf(u -> u <= nowMs);
  }
}
