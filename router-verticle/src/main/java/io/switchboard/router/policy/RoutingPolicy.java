package io.switchboard.router.policy;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Strategy;
import io.switchboard.api.Usd;
import io.switchboard.router.registry.BackendRegistry.LiveBackend;
import io.vertx.circuitbreaker.CircuitBreakerState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Decides, with no I/O, which live backends may serve a request and in which order. Capability and model (or
 * alias) select the backends; the forced provider, the privacy ceiling (request capped by the key), the spoken language
 * and the audio format and rate a backend declares, admin disable, health, breaker, Retry-After cool-down, full rate-limit windows and {@code max_cost} exclude some, each
 * with a reason; the strategy orders the rest, and degraded backends (cold starts, failing often) come last.
 */
public final class RoutingPolicy {

  private static final Comparator<Candidate> BY_PRIORITY = Comparator.comparingInt(Candidate::priority).thenComparing(Candidate::id);
  private static final Comparator<Candidate> BY_COST = Comparator.comparingDouble(Candidate::estimatedCostUsd).thenComparing(BY_PRIORITY);

  /**
   * Retry-After for a known model whose backends are all off: a backend that comes back announces itself at once,
   * and one that is restarting (a pod rescheduled) takes seconds.
   */
  public static final long NOT_LIVE_RETRY_MS = 5_000;

  private final PolicySettings settings;
  private final DoubleSupplier random;

  public RoutingPolicy(PolicySettings settings) {
    this(settings, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** @param random uniform in [0, 1), drawn by the weighted strategy */
  public RoutingPolicy(PolicySettings settings, DoubleSupplier random) {
    this.settings = settings;
    this.random = random;
  }

  public PolicySettings settings() {
    return settings;
  }

  /**
   * The plan for a request, or a {@link MeshException}: {@link ErrorCode#MODEL_NOT_FOUND} when no backend, live or
   * known to the router ({@link StateView#notLive}), serves the model; {@link ErrorCode#UNAVAILABLE} with Retry-After
   * when only backends that are not live serve it; {@link ErrorCode#RATE_LIMITED} (with the shortest wait) when the only backends left out for a
   * passing reason are rate limited; {@link ErrorCode#UNAVAILABLE} naming the constraint otherwise.
   */
  public RoutePlan plan(PlanRequest r, List<LiveBackend> live, StateView state, long nowMs) {
    Scan scan = scan(r, live, state, nowMs);
    if (scan.candidates.isEmpty()) {
      throw scan.nothingLeft();
    }
    Privacy privacy = scan.privacy;
    Strategy strategy = scan.strategy;
    if (strategy == Strategy.PRIORITY) {
      for (int i = 1; i < scan.candidates.size(); i++) {
        scan.skipped.add(new RouteInfo.Skip(scan.candidates.get(i).id(), "strategy=priority uses the first candidate only"));
      }
      return new RoutePlan(scan.candidates.subList(0, 1), scan.skipped, false, privacy, strategy);
    }
    return new RoutePlan(scan.candidates, scan.skipped, true, privacy, strategy);
  }

  /**
   * Every backend that knows the model, eligible (in order) or left out (with its reason), without giving up when
   * none is eligible: the admin API's cost comparison. Still {@link ErrorCode#MODEL_NOT_FOUND} for an unknown model.
   */
  public RoutePlan explain(PlanRequest r, List<LiveBackend> live, StateView state, long nowMs) {
    Scan scan = scan(r, live, state, nowMs);
    return new RoutePlan(scan.candidates, scan.skipped, scan.strategy != Strategy.PRIORITY, scan.privacy, scan.strategy);
  }

  private Scan scan(PlanRequest r, List<LiveBackend> live, StateView state, long nowMs) {
    Privacy privacy = (r.hints().privacy() != null ? r.hints().privacy() : settings.defaultPrivacy()).min(r.keyCeiling());
    Strategy strategy = r.hints().strategy() != null ? r.hints().strategy() : settings.strategyFor(r.model());
    Scan scan = new Scan(r, privacy, strategy, state, nowMs);
    Map<String, Integer> modelSplit = strategy == Strategy.WEIGHTED ? settings.modelWeights().get(r.model()) : null;
    if (modelSplit != null) {
      List<String> targets = new ArrayList<>(modelSplit.keySet());
      for (String target : WeightedOrder.order(targets, t -> t, modelSplit, random)) {
        scan.collect(live, target);
      }
    } else {
      scan.collect(live, r.model());
    }
    if (!scan.anyKnowsModel) {
      Map<String, String> off = state.notLive(r.capability(), r.model());
      if (!off.isEmpty()) {
        throw new MeshException(ErrorCode.UNAVAILABLE, "no live " + r.capability().wireName() + " backend serves model '"
          + r.model() + "' now (" + reasons(off) + ")", null, NOT_LIVE_RETRY_MS);
      }
      throw new MeshException(ErrorCode.MODEL_NOT_FOUND,
        "model '" + r.model() + "' is not served by any " + r.capability().wireName() + " backend", "model");
    }
    return scan;
  }

  /** {@code id: why; id: why}, as refusals name backends that are not live. */
  public static String reasons(Map<String, String> notLive) {
    StringBuilder sb = new StringBuilder();
    notLive.forEach((id, why) -> sb.append(sb.isEmpty() ? "" : "; ").append(id).append(": ").append(why));
    return sb.toString();
  }

  /** The candidates for one target model, filtered with reasons, then ordered. */
  private final class Scan {
    final PlanRequest r;
    final Privacy privacy;
    final Strategy strategy;
    final StateView state;
    final long now;
    final List<Candidate> candidates = new ArrayList<>(4);
    final List<RouteInfo.Skip> skipped = new ArrayList<>(4);
    final Set<String> seen = new HashSet<>();
    boolean anyKnowsModel;
    long shortestWaitMs = Long.MAX_VALUE;

    Scan(PlanRequest r, Privacy privacy, Strategy strategy, StateView state, long now) {
      this.r = r;
      this.privacy = privacy;
      this.strategy = strategy;
      this.state = state;
      this.now = now;
    }

    void collect(List<LiveBackend> live, String model) {
      List<Candidate> healthy = new ArrayList<>(live.size());
      List<Candidate> degraded = new ArrayList<>(2);
      for (LiveBackend b : live) {
        BackendDescriptor d = b.descriptor();
        if (!d.serves(r.capability())) {
          continue;
        }
        String resolved = d.resolveModel(model);
        if (resolved == null) {
          continue;
        }
        anyKnowsModel = true;
        if (!seen.add(d.id())) {
          continue;
        }
        Health health = state.health(d.id(), b.health());
        double cost = CostEstimator.estimate(d, resolved, r.capability(), r.size());
        String reason = exclusion(d, health, cost);
        if (reason != null) {
          skipped.add(new RouteInfo.Skip(d.id(), reason));
          continue;
        }
        Candidate c = new Candidate(d, resolved, cost, state.priority(d.id(), d.priority()));
        (health.status() == Health.Status.DEGRADED || state.degraded(d.id()) ? degraded : healthy).add(c);
      }
      candidates.addAll(order(healthy, model));
      candidates.addAll(order(degraded, model));
    }

    /** Why {@code d} may not serve this request, or null when it may. */
    private String exclusion(BackendDescriptor d, Health health, double cost) {
      String id = d.id();
      String provider = r.hints().provider();
      if (provider != null && !provider.equals(id)) {
        return "provider=" + provider + " requested";
      }
      if (!privacy.allows(d.privacy())) {
        return "privacy " + d.privacy().wireName() + " exceeds " + privacy.wireName();
      }
      if (!d.handlesLanguage(r.language())) {
        return "language " + r.language() + " not supported (" + String.join(", ", d.languages()) + " only)";
      }
      String output = d.outputs().refusal(r.format(), r.sampleRate());
      if (output != null) {
        return output;
      }
      if (!state.enabled(id)) {
        return "disabled by admin";
      }
      if (health.status() == Health.Status.DOWN) {
        return "down" + (health.reason() == null ? "" : ": " + health.reason());
      }
      if (state.breaker(id) == CircuitBreakerState.OPEN) {
        return "breaker open";
      }
      long cooldown = state.cooldownUntil(id);
      if (cooldown > now) {
        shortestWaitMs = Math.min(shortestWaitMs, cooldown - now);
        return "rate limited for " + seconds(cooldown - now) + " more";
      }
      long limited = state.limitedUntil(id);
      if (limited > now) {
        shortestWaitMs = Math.min(shortestWaitMs, limited - now);
        return state.limitReason(id) + ", resets in " + seconds(limited - now);
      }
      Double maxCost = r.hints().maxCostUsd();
      if (maxCost != null && cost > maxCost) {
        return "estimate $" + Usd.format(cost) + " exceeds max_cost $" + Usd.format(maxCost);
      }
      return null;
    }

    private List<Candidate> order(List<Candidate> tier, String model) {
      if (tier.size() < 2) {
        return tier;
      }
      switch (strategy) {
        case COST -> tier.sort(BY_COST);
        case LATENCY -> {
          // Each backend's latency is read once, not at every comparison.
          Map<String, Double> latency = new java.util.HashMap<>(tier.size() * 2);
          for (Candidate c : tier) {
            latency.put(c.id(), Math.max(0, state.latencyMs(c.id())));
          }
          tier.sort(Comparator.comparingDouble((Candidate c) -> latency.get(c.id())).thenComparing(BY_PRIORITY));
        }
        case WEIGHTED -> {
          tier.sort(BY_PRIORITY);
          Map<String, Integer> split = settings.weights().get(r.model());
          if (split == null) {
            split = settings.weights().get(model);
          }
          if (split != null) {
            return WeightedOrder.order(tier, Candidate::id, split, random);
          }
        }
        default -> tier.sort(BY_PRIORITY);
      }
      return tier;
    }

    MeshException nothingLeft() {
      if (shortestWaitMs != Long.MAX_VALUE) {
        return new MeshException(ErrorCode.RATE_LIMITED, "every backend allowed for model " + r.model() + " is rate limited ("
          + explain() + ")", null, shortestWaitMs);
      }
      StringBuilder sb = new StringBuilder("no healthy backend for privacy=").append(privacy.wireName());
      if (r.hints().provider() != null) {
        sb.append(" provider=").append(r.hints().provider());
      }
      if (r.hints().maxCostUsd() != null) {
        sb.append(" max_cost=").append(Usd.format(r.hints().maxCostUsd()));
      }
      sb.append(" serving model ").append(r.model());
      if (!skipped.isEmpty()) {
        sb.append(" (").append(explain()).append(')');
      }
      return new MeshException(ErrorCode.UNAVAILABLE, sb.toString());
    }

    private String explain() {
      StringBuilder sb = new StringBuilder();
      for (RouteInfo.Skip s : skipped) {
        sb.append(sb.isEmpty() ? "" : "; ").append(s.backend()).append(": ").append(s.reason());
      }
      return sb.toString();
    }
  }

  static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
  }

  /**
   * Whether a failure of one backend lets the router try the next: faults of the backend or the way to it, and
   * answers another backend may give differently (unknown model there, context too long there). Never failures of
   * the caller's making.
   */
  public static boolean mayTryNext(MeshException e) {
    return e.errorCode().upstreamFault()
      || e.errorCode() == ErrorCode.MODEL_NOT_FOUND
      || e.errorCode() == ErrorCode.CONTEXT_TOO_LONG;
  }
}
