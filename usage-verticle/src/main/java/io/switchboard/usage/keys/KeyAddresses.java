package io.switchboard.usage.keys;

/**
 * Event-bus addresses of the key service. They belong in {@code io.switchboard.api.Addresses}; they live here
 * until the contract takes them.
 */
public final class KeyAddresses {

  /** Request/reply, body {@code {"op": "create"|"list"|"get"|"revoke"|"verify"|"lookup", ...}}. */
  public static final String KEYS = "switchboard.keys";
  /** Published {@code {"id": "k_..."}} when a key is revoked, for anyone who caches keys. */
  public static final String REVOKED = "switchboard.keys.revoked";
  /** Cluster-wide map of live {@link KeyVerifier}s (instance id to its private address), to collect acks. */
  static final String VERIFIERS_MAP = "switchboard.keys.verifiers";
  static final String VERIFIER_PREFIX = "switchboard.keys.verifier.";

  private KeyAddresses() {
  }
}
