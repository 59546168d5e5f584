package io.switchboard.router;

import io.switchboard.router.registry.BackendRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Which backend instance each message in flight went to. The router chooses the instance itself (the one with the
 * fewest of its requests in flight, a request's affinity deciding among equals: {@link #pick}), so that when the
 * registry declares an instance dead, everything in flight there is settled at once and moved elsewhere instead of
 * waiting for its deadline. Owned by the router's event loop.
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

  /**
   * The live instance of a backend with the fewest requests in flight from this router. Among equally busy instances,
   * a request with an {@code affinity} key goes to the one the key prefers (rendezvous hashing: the highest score of
   * key and instance id, the same on every router, and only the keys of an instance that comes or goes move), so a
   * conversation's turns find the instance whose prompt cache holds its earlier turns; a busier preferred instance is
   * passed over freely. Without a key, round-robin among equals. {@code affinity} is asked only when there is a choice.
   */
  String pick(String backendId, Supplier<String> affinity) {
    BackendRegistry.LiveBackend live = registry.get(backendId);
    if (live == null || live.instanceIds().isEmpty()) {
      return null;
    }
    List<String> ids = live.instanceIds();
    int start = Math.floorMod(roundRobin++, ids.size());
    String best = null;
    int bestLoad = Integer.MAX_VALUE;
    int equals = 0;
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get((start + i) % ids.size());
      if (isGone(id)) {
        continue;
      }
      int load = load(id);
      if (load < bestLoad) {
        best = id;
        bestLoad = load;
        equals = 1;
      } else if (load == bestLoad) {
        equals++;
      }
    }
    String key = equals > 1 ? affinity.get() : null;
    return key == null ? best : preferred(ids, bestLoad, key);
  }

  /** Among the live instances with {@code load} in flight, the one {@code key} scores highest. */
  private String preferred(List<String> ids, int load, String key) {
    String best = null;
    long bestScore = 0;
    long k = key.hashCode() * 0x9E3779B97F4A7C15L;
    for (String id : ids) {
      if (isGone(id) || load(id) != load) {
        continue;
      }
      long score = mix(k ^ id.hashCode());
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  private int load(String instanceId) {
    Set<InFlight> set = inflight.get(instanceId);
    return set == null ? 0 : set.size();
  }

  /** SplitMix64's finaliser: every input bit moves about half the output bits. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
