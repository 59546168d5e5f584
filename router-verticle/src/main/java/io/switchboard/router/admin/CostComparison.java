package io.switchboard.router.admin;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.RouteHints;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Strategy;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.CostEstimator;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/providers/compare-cost}: for a request ({@link AdminRequest}), the estimated cost on every live
 * backend that knows the model, cheapest first, whether the policy would let it serve and why not.
 */
final class CostComparison {

  private CostComparison() {
  }

  static JsonObject compare(JsonObject body, BackendRegistry registry, RouterState state, Routing routing) {
    return compare(AdminRequest.parse(body, routing), registry, state, routing);
  }

  static JsonObject compare(AdminRequest asked, BackendRegistry registry, RouterState state, Routing routing) {
    RouteHints h = asked.hints();
    RouteHints hints = new RouteHints(h.privacy(), Strategy.COST, h.provider(), h.maxCostUsd(), h.timeoutMs());
    RoutePlan plan = routing.policy().explain(asked.plan(hints), registry.live(), state, state.now());
    Map<String, String> reasons = new HashMap<>();
    for (RouteInfo.Skip s : plan.skipped()) {
      reasons.putIfAbsent(s.backend(), s.reason());
    }
    List<JsonObject> rows = new ArrayList<>();
    for (BackendRegistry.LiveBackend b : registry.live()) {
      BackendDescriptor d = b.descriptor();
      String resolved = d.serves(asked.capability()) ? d.resolveModel(asked.model()) : null;
      if (resolved == null) {
        continue;
      }
      boolean eligible = plan.candidates().stream().anyMatch(c -> c.id().equals(d.id()));
      rows.add(new JsonObject()
        .put("provider", d.id())
        .put("model", resolved)
        .put("estimated_cost_usd", CostEstimator.estimate(d, resolved, asked.capability(), asked.size()))
        .put("privacy", d.privacy().wireName())
        .put("eligible", eligible)
        .put("reason", eligible ? null : reasons.getOrDefault(d.id(), "not eligible")));
    }
    rows.sort(Comparator.comparingDouble((JsonObject j) -> j.getDouble("estimated_cost_usd")).thenComparing(j -> j.getString("provider")));
    String cheapest = plan.candidates().isEmpty() ? null : plan.candidates().stream()
      .min(Comparator.comparingDouble(Candidate::estimatedCostUsd)).map(Candidate::id).orElse(null);
    return new JsonObject()
      .put("capability", asked.capability().wireName())
      .put("model", asked.model())
      .put("size", asked.sizeJson())
      .put("providers", new JsonArray(new ArrayList<>(rows)))
      .put("cheapest", cheapest);
  }
}
