package io.switchboard.router.policy;

import io.switchboard.api.RouteInfo;

import java.util.List;

/**
 * The policy's decision for one request: the candidates in the order to try, those left out and why, and whether
 * a failure may move on to the next candidate.
 */
public record RoutePlan(List<Candidate> candidates, List<RouteInfo.Skip> skipped, boolean failover) {
  public RoutePlan {
    candidates = List.copyOf(candidates);
    skipped = List.copyOf(skipped);
  }
}
