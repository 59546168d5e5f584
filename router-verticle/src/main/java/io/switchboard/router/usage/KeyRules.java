package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutePlan;

import java.util.ArrayList;
import java.util.List;

/**
 * What an API key lets a request use: its allowed providers (backend ids) and models. A model is allowed when the
 * key lists the name the caller used or the model a candidate would run it as (an alias or its target). Works on the
 * policy's plan, so the route explanation says which candidates the key ruled out.
 */
public final class KeyRules {

  private KeyRules() {
  }

  /** {@code plan} without the candidates {@code key} may not use; PERMISSION (403) naming the rule when none is left. */
  public static RoutePlan restrict(ApiKey key, String model, RoutePlan plan) {
    if (key == null) {
      return plan;
    }
    KeyLimits limits = key.limits();
    if (limits.allowedProviders().isEmpty() && limits.allowedModels().isEmpty()) {
      return plan;
    }
    List<Candidate> kept = new ArrayList<>(plan.candidates().size());
    List<RouteInfo.Skip> skipped = new ArrayList<>(plan.skipped());
    List<String> badProviders = new ArrayList<>();
    boolean modelRefused = false;
    for (Candidate c : plan.candidates()) {
      if (!limits.allowsProvider(c.id())) {
        badProviders.add(c.id());
        skipped.add(new RouteInfo.Skip(c.id(), "provider not allowed for API key " + key.id()));
      } else if (!limits.allowsModel(model) && !limits.allowsModel(c.model())) {
        modelRefused = true;
        skipped.add(new RouteInfo.Skip(c.id(), "model " + c.model() + " not allowed for API key " + key.id()));
      } else {
        kept.add(c);
      }
    }
    if (kept.isEmpty()) {
      String what = modelRefused
        ? "model '" + model + "' (allowed models: " + String.join(", ", limits.allowedModels()) + ")"
        : "provider" + (badProviders.size() == 1 ? " " : "s ") + String.join(", ", badProviders)
          + " (allowed providers: " + String.join(", ", limits.allowedProviders()) + ")";
      throw new MeshException(ErrorCode.PERMISSION, "API key " + key.id() + " may not use " + what,
        modelRefused ? "model" : "provider");
    }
    return new RoutePlan(kept, skipped, plan.failover(), plan.privacy(), plan.strategy());
  }
}
