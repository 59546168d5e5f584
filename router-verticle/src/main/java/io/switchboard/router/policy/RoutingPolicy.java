package io.switchboard.router.policy;

import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.RouteInfo;
import io.switchboard.api.Strategy;
import io.switchboard.router.registry.BackendRegistry.LiveBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides, with no I/O, which live backends may serve a request and in which order: capability, model or alias,
 * forced provider, privacy ceiling and health filter the candidates; the strategy orders them.
 */
public final class RoutingPolicy {

  private final Privacy defaultPrivacy;
  private final Strategy defaultStrategy;

  public RoutingPolicy(Privacy defaultPrivacy, Strategy defaultStrategy) {
    this.defaultPrivacy = defaultPrivacy;
    this.defaultStrategy = defaultStrategy;
  }

  public Privacy defaultPrivacy() {
    return defaultPrivacy;
  }

  public Strategy defaultStrategy() {
    return defaultStrategy;
  }

  /**
   * The plan for a request, or a {@link MeshException}: {@link ErrorCode#MODEL_NOT_FOUND} when no live backend
   * knows the model at all, {@link ErrorCode#UNAVAILABLE} (naming the constraint) when some do but none may serve.
   */
  public RoutePlan plan(Capability capability, String model, RouteHints hints, List<LiveBackend> live) {
    Privacy privacy = hints.privacy() != null ? hints.privacy() : defaultPrivacy;
    Strategy strategy = hints.strategy() != null ? hints.strategy() : defaultStrategy;
    List<Candidate> candidates = new ArrayList<>();
    List<Candidate> degraded = new ArrayList<>();
    List<RouteInfo.Skip> skipped = new ArrayList<>();
    boolean anyKnowsModel = false;
    for (LiveBackend b : live) {
      if (!b.descriptor().serves(capability)) {
        continue;
      }
      String resolved = b.descriptor().resolveModel(model);
      if (resolved == null) {
        continue;
      }
      anyKnowsModel = true;
      String id = b.id();
      if (hints.provider() != null && !hints.provider().equals(id)) {
        skipped.add(new RouteInfo.Skip(id, "provider=" + hints.provider() + " requested"));
      } else if (!privacy.allows(b.descriptor().privacy())) {
        skipped.add(new RouteInfo.Skip(id, "privacy " + b.descriptor().privacy().wireName() + " exceeds " + privacy.wireName()));
      } else if (b.health().status() == Health.Status.DOWN) {
        skipped.add(new RouteInfo.Skip(id, "down" + (b.health().reason() == null ? "" : ": " + b.health().reason())));
      } else if (b.health().status() == Health.Status.DEGRADED) {
        degraded.add(new Candidate(b.descriptor(), resolved));
      } else {
        candidates.add(new Candidate(b.descriptor(), resolved));
      }
    }
    // Degraded backends (cold starts) come last: served from elsewhere while they warm.
    candidates.addAll(degraded);
    if (!anyKnowsModel) {
      throw new MeshException(ErrorCode.MODEL_NOT_FOUND,
        "model '" + model + "' is not served by any live " + capability.wireName() + " backend", "model");
    }
    if (candidates.isEmpty()) {
      throw new MeshException(ErrorCode.UNAVAILABLE, "no healthy backend for privacy=" + privacy.wireName()
        + (hints.provider() != null ? " provider=" + hints.provider() : "") + " serving model " + model);
    }
    if (strategy == Strategy.PRIORITY) {
      for (int i = 1; i < candidates.size(); i++) {
        skipped.add(new RouteInfo.Skip(candidates.get(i).id(), "strategy=priority uses the first candidate only"));
      }
      return new RoutePlan(candidates.subList(0, 1), skipped, false);
    }
    return new RoutePlan(candidates, skipped, true);
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
