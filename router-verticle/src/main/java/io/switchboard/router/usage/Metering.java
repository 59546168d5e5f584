package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.Capability;
import io.switchboard.router.Finished;
import io.switchboard.router.policy.RoutePlan;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * The usage side of the request path, as the router sees it: who is asking (the API key), what the key lets the
 * request use and spend, and the accounting once the request is over. {@link #NONE} when the mesh runs without a
 * usage ledger: every request is admitted and nothing is recorded.
 */
public interface Metering {

  /** The caller's API key from the request's headers; null when it came with none. AUTHENTICATION (401) when bad. */
  Future<ApiKey> identify(MultiMap headers);

  /**
   * {@code plan} narrowed to the providers and models {@code key} may use (the others are skipped with the reason);
   * throws PERMISSION (403) naming what is not allowed when nothing is left.
   */
  RoutePlan restrict(ApiKey key, String model, RoutePlan plan);

  /** Admits the request under the key's rate limit and holds its estimated cost against the key's budgets. */
  Future<Admission> admit(ApiKey key, Capability capability, RoutePlan plan);

  /**
   * Accounts for a finished request: settles its budget hold to the real cost and sends its usage record. Completes
   * when the caller may be answered (with durable answers, once the record is on disk); never fails.
   */
  Future<Void> finished(Finished request, Admission admission);

  Metering NONE = new Metering() {
    private final Future<ApiKey> noKey = Future.succeededFuture();
    private final Future<Admission> admitted = Future.succeededFuture(Admission.NONE);
    private final Future<Void> done = Future.succeededFuture();

    @Override
    public Future<ApiKey> identify(MultiMap headers) {
      return noKey;
    }

    @Override
    public RoutePlan restrict(ApiKey key, String model, RoutePlan plan) {
      return plan;
    }

    @Override
    public Future<Admission> admit(ApiKey key, Capability capability, RoutePlan plan) {
      return admitted;
    }

    @Override
    public Future<Void> finished(Finished request, Admission admission) {
      return done;
    }
  };
}
