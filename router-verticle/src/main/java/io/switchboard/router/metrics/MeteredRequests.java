package io.switchboard.router.metrics;

import io.switchboard.api.ApiKey;
import io.switchboard.api.Capability;
import io.switchboard.api.PriceBook;
import io.switchboard.router.Finished;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.Metering;
import io.switchboard.router.usage.UsageMeter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * A {@link Metering} that also counts every finished request in the {@link RequestMetrics}, whatever the metering
 * beneath does (the usage ledger, or nothing). The cost is priced as the ledger prices it
 * ({@link UsageMeter#cost}), so the dashboard's dollars and the ledger's agree.
 */
public final class MeteredRequests implements Metering {

  private final Metering delegate;
  private final RequestMetrics metrics;
  private final PriceBook prices;

  /** @param prices the ledger's price table; null prices from the backends' descriptors */
  private MeteredRequests(Metering delegate, RequestMetrics metrics, PriceBook prices) {
    this.delegate = delegate;
    this.metrics = metrics;
    this.prices = prices;
  }

  /** {@code delegate} counted in {@code metrics}, or {@code delegate} itself when metrics are off. */
  public static Metering wrap(Metering delegate, RequestMetrics metrics, PriceBook prices) {
    return metrics.enabled() ? new MeteredRequests(delegate, metrics, prices) : delegate;
  }

  @Override
  public Future<ApiKey> identify(MultiMap headers) {
    return delegate.identify(headers);
  }

  @Override
  public RoutePlan restrict(ApiKey key, String model, RoutePlan plan) {
    return delegate.restrict(key, model, plan);
  }

  @Override
  public Future<Admission> admit(ApiKey key, Capability capability, RoutePlan plan) {
    return delegate.admit(key, capability, plan);
  }

  @Override
  public Future<Void> finished(Finished f, Admission admission) {
    UsageMeter.Amounts amounts = UsageMeter.Amounts.of(f);
    boolean billable = f.billable();
    metrics.finished(f, amounts, billable ? UsageMeter.cost(prices, f.target(), amounts, f.latencyMs()) : 0);
    return delegate.finished(f, admission);
  }
}
