package io.switchboard.router.policy;

import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Strategy;

import java.util.List;

/**
 * The policy's decision for one request: the candidates in the order to try, those left out and why, whether a
 * failure may move on to the next candidate, and the privacy ceiling and strategy it was made under.
 */
public record RoutePlan(List<Candidate> candidates, List<RouteInfo.Skip> skipped, boolean failover, Privacy privacy,
                        Strategy strategy) {
  public RoutePlan {
    candidates = List.copyOf(candidates);
    skipped = List.copyOf(skipped);
  }
}
