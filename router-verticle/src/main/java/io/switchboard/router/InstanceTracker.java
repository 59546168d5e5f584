package io.switchboard.router;

import io.switchboard.router.registry.BackendRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which backend instance each message in flight went to. The router chooses the instance itself (the one with the
 * fewest of its requests in flight), so that when the registry declares an instance dead, everything in flight
 * there is settled at once and moved elsewhere instead of waiting for its deadline. Owned by the router's event loop.
 */
final class InstanceTracker {

  /** One message in flight to one instance: the first request, or a pull of the next stream message. */
  final class InFlight {
    final String instanceId;
    final Runnable onLost;
    boolean settled;

    InFlight(String instanceId, Runnable onLost) {
      this.instanceId = instanceId;
      this.onLost = onLost;
      inflight.computeIfAbsent(instanceId, k -> new HashSet<>()).add(this);
    }

    /** Marks the reply as handled; false when the instance was already declared lost (the late reply is ignored). */
    boolean settle() {
      if (settled) {
        return false;
      }
      settled = true;
      Set<InFlight> set = inflight.get(instanceId);
      if (set != null) {
        set.remove(this);
        if (set.isEmpty()) {
          inflight.remove(instanceId);
        }
      }
      return true;
    }

    void lost() {
      if (settle()) {
        onLost.run();
      }
    }
  }

  private final BackendRegistry registry;
  private final LongSupplier clock;
  private final Map<String, Set<InFlight>> inflight = new HashMap<>();
  private final Map<String, Long> gone = new HashMap<>();
  private int roundRobin;

  InstanceTracker(BackendRegistry registry, LongSupplier clock) {
    this.registry = registry;
    this.clock = clock;
  }

  InFlight track(String instanceId, Runnable onLost) {
    return new InFlight(instanceId, onLost);
  }

  /** Settles everything in flight on instances the registry dropped. */
  void lost(List<String> instanceIds) {
    for (String id : instanceIds) {
      Set<InFlight> set = inflight.remove(id);
      if (set != null) {
        new ArrayList<>(set).forEach(InFlight::lost);
      }
    }
  }

  /**
   * Marks an instance that answered "no handler" as gone until the registry would have dropped it anyway (one
   * heartbeat timeout); a live instance that re-announces after that is picked again.
   */
  void gone(String instanceId) {
    gone.put(instanceId, clock.getAsLong() + registry.timeoutMs());
  }

  private boolean isGone(String instanceId) {
    Long until = gone.get(instanceId);
    if (until == null) {
      return false;
    }
    if (clock.getAsLong() >= until) {
      gone.remove(instanceId);
      return false;
    }
    return true;
  }

  /** The live instance of a backend with the fewest requests in flight from this router (round-robin among equals). */
  String pick(String backendId) {
    BackendRegistry.LiveBackend live = registry.get(backendId);
    if (live == null || live.instanceIds().isEmpty()) {
      return null;
    }
    List<String> ids = live.instanceIds();
    int start = Math.floorMod(roundRobin++, ids.size());
    String best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get((start + i) % ids.size());
      if (isGone(id)) {
        continue;
      }
      Set<InFlight> set = inflight.get(id);
      int load = set == null ? 0 : set.size();
      if (load < bestLoad) {
        best = id;
        bestLoad = load;
      }
    }
    return best;
  }
}
