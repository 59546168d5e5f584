package io.switchboard.app.chaos;

import io.switchboard.core.testkit.chaos.Fault;

/**
 * One row of the chaos table: an adapter asked for a whole answer or a stream, the fault its upstream has, what the
 * client must see, whether the faulty backend's breaker counts a failure, and (when known) the error code of the
 * faulty backend's failure.
 */
record ChaosRow(Adapter adapter, boolean stream, String faultName, Fault fault, Expect expect, boolean counts, String code) {

  ChaosRow(Adapter adapter, boolean stream, String faultName, Fault fault, Expect expect, boolean counts) {
    this(adapter, stream, faultName, fault, expect, counts, null);
  }

  /**
   * The row, checking also the OpenAI code of the faulty backend's failure (the route's skip reason of a failover)
   * and, for {@code rate_limit_exceeded}, that the backend cools down as its Retry-After asked.
   */
  ChaosRow code(String openAiCode) {
    return new ChaosRow(adapter, stream, faultName, fault, expect, counts, openAiCode);
  }

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
      + (code == null ? "" : " (" + code + ")") + (counts ? ", breaker counts it" : ", breaker untouched");
  }
}
