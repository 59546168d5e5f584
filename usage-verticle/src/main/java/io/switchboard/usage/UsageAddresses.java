package io.switchboard.usage;

/**
 * Event-bus addresses the usage verticle serves beside {@code Addresses.USAGE}. They belong in
 * {@code io.switchboard.api.Addresses}; they live here until the contract takes them. Key addresses are in
 * {@link io.switchboard.usage.keys.KeyAddresses}.
 */
public final class UsageAddresses {

  /**
   * Request/reply, body {@code {"op": "query"|"export"|"spent"|"status", ...}}: usage totals per group, a CSV
   * export, what a key spent in a period, and the ledger's own state (journal backlog, store health).
   */
  public static final String QUERY = "switchboard.usage.query";

  private UsageAddresses() {
  }
}
