package io.switchboard.router;

import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.RoutingPolicy;

/**
 * The routing configuration in force: settings from conf, the policy built from them (with the operator's strategy
 * changes laid over), and the cost estimator. Replaced whole on a reload or an admin change; each request reads it
 * once when it arrives.
 */
public record Routing(RouterSettings settings, RoutingPolicy policy, CostEstimator costs) {
}
