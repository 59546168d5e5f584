package io.switchboard.app.chaos;

import io.switchboard.core.testkit.chaos.Fault;

/**
 * One row of the chaos table: an adapter asked for a whole answer or a stream, the fault its upstream has, what the
 * client must see, and whether the faulty backend's breaker counts a failure.
 */
record ChaosRow(Adapter adapter, boolean stream, String faultName, Fault fault, Expect expect, boolean counts) {

  /** What the client sees. */
  enum Expect {
    /** The faulty backend's complete answer, ended cleanly: the fault was survivable. */
    SERVED,
    /** The healthy second backend's complete answer, ended cleanly: the router failed over, the client saw nothing. */
    FAILOVER,
    /** Content from the faulty backend, then an error: a stream cut after content never ends as a clean, short answer. */
    CUT
  }

  @Override
  public String toString() {
    return adapter.slug() + (stream ? " stream" : " whole") + " × " + faultName + " → " + expect.name().toLowerCase(java.util.Locale.ROOT)
      + (counts ? ", breaker counts it" : ", breaker untouched");
  }
}
