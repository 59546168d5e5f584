package io.switchboard.usage.cluster;

/**
 * A usage ledger refused at start because the cluster already has one that keeps its keys and usage in another
 * store. Not a transient failure: the node's configuration must change (the message says how).
 */
public final class LedgerConflictException extends IllegalStateException {

  public LedgerConflictException(String message) {
    super(message);
  }
}
