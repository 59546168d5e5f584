package io.switchboard.router.admin;

import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.RouterState;
import io.switchboard.router.Routing;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.registry.BackendRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {@code POST /api/v1/providers/plan}: what the router would do with a request now, without sending it. The plan is
 * the policy's own, under the request's strategy and privacy (or the defaults): the candidates in the order they would
 * be tried, each with its estimated cost, the backends left out and why, and the refusal the caller would get when
 * none is left; beside it the cost comparison of {@link CostComparison}. A weighted split draws once, as a request
 * would. What is checked only at the moment of sending (a rate-limit lease, a live instance, a half-open breaker's
 * trial) is not in the plan; API-key rules are not applied (the form has no key).
 */
final class DryRunPlan {

  private DryRunPlan() {
  }

  static JsonObject plan(JsonObject body, BackendRegistry registry, RouterState state, Routing routing) {
    AdminRequest asked = AdminRequest.parse(body, routing);
    List<BackendRegistry.LiveBackend> live = registry.live();
    JsonObject out = new JsonObject().put("capability", asked.capability().wireName()).put("model", asked.model())
      .put("size", asked.sizeJson());
    RoutePlan plan;
    try {
      plan = routing.policy().plan(asked.plan(asked.hints()), live, state, state.now());
    } catch (MeshException refused) {
      out.put("refusal", new JsonObject().put("status", refused.errorCode().httpStatus())
        .put("code", refused.errorCode().openAiCode()).put("message", refused.getMessage()));
      try {
        plan = routing.policy().explain(asked.plan(asked.hints()), live, state, state.now());
      } catch (MeshException unknownModel) {
        return out.put("candidates", new JsonArray()).put("skipped", new JsonArray()).put("would_serve", null);
      }
    }
    JsonArray candidates = new JsonArray();
    if (!out.containsKey("refusal")) {
      for (Candidate c : plan.candidates()) {
        candidates.add(new JsonObject().put("provider", c.id()).put("model", c.model())
          .put("estimated_cost_usd", c.estimatedCostUsd()).put("priority", c.priority())
          .put("privacy", c.backend().privacy().wireName()));
      }
    }
    JsonArray skipped = new JsonArray();
    for (RouteInfo.Skip s : plan.skipped()) {
      skipped.add(new JsonObject().put("provider", s.backend()).put("reason", s.reason()));
    }
    return out.put("strategy", plan.strategy().wireName())
      .put("privacy", plan.privacy().wireName())
      .put("failover", plan.failover())
      .put("would_serve", candidates.isEmpty() ? null : candidates.getJsonObject(0).getString("provider"))
      .put("candidates", candidates)
      .put("skipped", skipped)
      .put("cost", CostComparison.compare(asked, registry, state, routing));
  }
}
