package io.switchboard.router.usage;

import io.switchboard.api.ApiKey;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.KeyLimits;
import io.switchboard.api.MeshException;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.policy.Candidate;
import io.switchboard.router.policy.RoutePlan;
import io.switchboard.router.policy.RoutingPolicy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an API key lets a request use: its allowed providers (backend ids) and models. A model is allowed when the
 * key lists the name the caller used or the model a candidate would run it as (an alias or its target). Works on the
 * policy's plan, so the route explanation says which candidates the key ruled out.
 */
public final class KeyRules {

  private KeyRules() {
  }

  /**
   * Refuses, before any routing, what {@code key} may never use whatever the state of the backends: a model outside
   * its list (neither the name asked for nor any model a backend resolves it to, {@code resolutions}, is listed), or a
   * forced {@code provider} outside its list. PERMISSION (403) naming the rule; a permission does not depend on which
   * backends happen to be up, so it is answered before a privacy or availability 503.
   */
  public static void permit(ApiKey key, String model, String provider, Set<String> resolutions) {
    if (key == null) {
      return;
    }
    KeyLimits limits = key.limits();
    if (!limits.allowsModel(model) && resolutions.stream().noneMatch(limits::allowsModel)) {
      throw new MeshException(ErrorCode.PERMISSION, "API key " + key.id() + " may not use model '" + model + "' (allowed models: "
        + String.join(", ", limits.allowedModels()) + ")", "model");
    }
    if (provider != null && !limits.allowsProvider(provider)) {
      throw new MeshException(ErrorCode.PERMISSION, "API key " + key.id() + " may not use provider " + provider
        + " (allowed providers: " + String.join(", ", limits.allowedProviders()) + ")", "provider");
    }
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
    if (kept.isEmpty() && plan.skipped().stream().anyMatch(k -> limits.allowsProvider(k.backend()))) {
      // A provider the key allows knows the model but was left out for this request (privacy, health, limits): that
      // is "no backend now", as for any caller, not a refusal of the key.
      StringBuilder why = new StringBuilder();
      skipped.forEach(k -> why.append(why.isEmpty() ? "" : "; ").append(k.backend()).append(": ").append(k.reason()));
      throw new MeshException(ErrorCode.UNAVAILABLE, "no healthy backend for privacy=" + plan.privacy().wireName()
        + " that API key " + key.id() + " may use serves model " + model + " (" + why + ")");
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

  /**
   * A refusal by {@link #restrict} seen against the backends that are not live: when a provider the key allows serves
   * the model but is off now (not running, disabled, its key not set), the request is not refused for the key's sake
   * but unanswerable for now, as for any caller: UNAVAILABLE (503) with Retry-After, naming every backend and why it
   * was not used. Whether a key may use something must not depend on which backends happen to be up. Any other
   * refusal is answered as it is.
   */
  public static MeshException whenAllowedAreOff(MeshException refusal, ApiKey key, String model, RoutePlan plan,
                                                Map<String, String> notLive, long retryAfterMs) {
    if (key == null || refusal.errorCode() != ErrorCode.PERMISSION || !"provider".equals(refusal.param())) {
      return refusal;
    }
    Map<String, String> why = new LinkedHashMap<>();
    plan.candidates().forEach(c -> why.put(c.id(), "provider not allowed for API key " + key.id()));
    plan.skipped().forEach(k -> why.putIfAbsent(k.backend(), k.reason()));
    boolean allowedOff = false;
    for (Map.Entry<String, String> off : notLive.entrySet()) {
      if (key.limits().allowsProvider(off.getKey())) {
        allowedOff = true;
        why.putIfAbsent(off.getKey(), off.getValue());
      }
    }
    if (!allowedOff) {
      return refusal;
    }
    return new MeshException(ErrorCode.UNAVAILABLE, "no live backend for privacy=" + plan.privacy().wireName()
      + " that API key " + key.id() + " may use serves model " + model + " now (" + RoutingPolicy.reasons(why) + ")",
      null, retryAfterMs);
  }
}
