package io.switchboard.router.registry;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Health;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The router's live view of the mesh, fed by the heartbeats on {@code switchboard.registry}. A backend is live
 * while at least one of its instances has announced itself within the heartbeat timeout; an instance that says
 * it is leaving is dropped at once. Not thread-safe: owned by the router verticle's event loop.
 */
public final class BackendRegistry {

  /** A live backend: the newest descriptor any of its instances sent, its live instances, and the best health among them. */
  public record LiveBackend(BackendDescriptor descriptor, List<String> instanceIds, Health health) {
    public LiveBackend {
      instanceIds = List.copyOf(instanceIds);
    }

    public String id() {
      return descriptor.id();
    }

    public int instances() {
      return instanceIds.size();
    }
  }

  private record Instance(BackendDescriptor descriptor, long lastSeenMs) {
  }

  /** One instance of a backend as its last heartbeat described it (the operators' status). */
  public record InstanceView(String id, Health health, long seenMsAgo) {
  }

  private final Map<String, Map<String, Instance>> backends = new HashMap<>();
  /** The newest descriptor of every backend ever announced, live or not (a few per backend id: bounded by conf). */
  private final Map<String, BackendDescriptor> seen = new HashMap<>();
  private final long timeoutMs;
  private final LongSupplier clock;
  private List<LiveBackend> snapshot = List.of();
  private long lastSweepMs = -1;
  private Map<String, Long> lastDrops = Map.of();
  private long lastStallMs;
  private long previousStallMs;

  public BackendRegistry(long timeoutMs, LongSupplier clock) {
    this.timeoutMs = timeoutMs;
    this.clock = clock;
  }

  /**
   * Applies one announcement.
   *
   * @return true when the set of live backends or their health changed
   */
  public boolean announce(BackendDescriptor d) {
    if (!d.leaving()) {
      seen.put(d.id(), d);
    }
    Map<String, Instance> instances = backends.computeIfAbsent(d.id(), k -> new LinkedHashMap<>());
    Instance previous;
    if (d.leaving()) {
      previous = instances.remove(d.instanceId());
      if (instances.isEmpty()) {
        backends.remove(d.id());
      }
    } else {
      previous = instances.put(d.instanceId(), new Instance(d, clock.getAsLong()));
    }
    boolean changed = d.leaving() ? previous != null : previous == null || !previous.descriptor.equals(d);
    if (changed) {
      rebuild();
    }
    return changed;
  }

  /**
   * Drops instances whose heartbeats stopped (a dead process). An instance that announced it is leaving is not
   * among them: it finishes what it has in flight.
   *
   * @return the ids of instances dropped
   */
  public List<String> sweep() {
    long now = clock.getAsLong();
    // A sweep that runs late means this router's event loop stalled (GC, CPU starvation): heartbeats that arrived
    // meanwhile wait in its queue. The stall is not counted against the backends.
    long stall = lastSweepMs < 0 ? 0 : Math.max(0, now - lastSweepMs - sweepIntervalMs());
    lastSweepMs = now;
    long limit = timeoutMs + stall;
    List<String> dropped = new ArrayList<>();
    lastDrops = new LinkedHashMap<>();
    lastStallMs = stall + previousStallMs; // an instance dropped now was spared by the previous, maybe late, sweep too
    previousStallMs = stall;
    backends.values().forEach(instances -> instances.values().removeIf(i -> {
      boolean stale = now - i.lastSeenMs > limit;
      if (stale) {
        dropped.add(i.descriptor.instanceId());
        lastDrops.put(i.descriptor.instanceId(), now - i.lastSeenMs);
      }
      return stale;
    }));
    backends.values().removeIf(Map::isEmpty);
    if (!dropped.isEmpty()) {
      rebuild();
    }
    return dropped;
  }

  /** How long each instance the last {@link #sweep()} dropped had been silent, in ms. */
  public long silenceOf(String instanceId) {
    return lastDrops.getOrDefault(instanceId, -1L);
  }

  /**
   * How late the last two {@link #sweep()}s ran together (this router's own stall): an instance the last one dropped had
   * been silent at most the timeout, one sweep interval and this long.
   */
  public long lastStallMs() {
    return lastStallMs;
  }

  /** How long an instance may stay silent before it is dropped. */
  public long timeoutMs() {
    return timeoutMs;
  }

  /** How often {@link #sweep()} should run: a quarter of the heartbeat timeout, at least 100 ms. */
  public long sweepIntervalMs() {
    return Math.max(100, timeoutMs / 4);
  }

  /** Live backends, by priority then id. The list is immutable and replaced on change, so it is cheap to read per request. */
  public List<LiveBackend> live() {
    return snapshot;
  }

  /** The newest descriptor of every backend this registry was ever told of, live or not. */
  public java.util.Collection<BackendDescriptor> everSeen() {
    return java.util.Collections.unmodifiableCollection(seen.values());
  }

  /** Every instance of backend {@code id} within the heartbeat timeout, those reporting DOWN included, by id. */
  public List<InstanceView> instances(String id) {
    Map<String, Instance> instances = backends.get(id);
    if (instances == null) {
      return List.of();
    }
    long now = clock.getAsLong();
    return instances.values().stream()
      .map(i -> new InstanceView(i.descriptor.instanceId(), i.descriptor.health(), Math.max(0, now - i.lastSeenMs)))
      .sorted(Comparator.comparing(InstanceView::id)).toList();
  }

  public LiveBackend get(String id) {
    for (LiveBackend b : snapshot) {
      if (b.id().equals(id)) {
        return b;
      }
    }
    return null;
  }

  private void rebuild() {
    List<LiveBackend> out = new ArrayList<>();
    backends.forEach((id, instances) -> {
      Instance newest = null;
      Health best = null;
      List<String> ids = new ArrayList<>();
      for (Instance i : instances.values()) {
        if (i.descriptor.health().status() != Health.Status.DOWN) {
          ids.add(i.descriptor.instanceId());
        }
        if (newest == null || i.lastSeenMs >= newest.lastSeenMs) {
          newest = i;
        }
        Health h = i.descriptor.health();
        if (best == null || h.status().ordinal() < best.status().ordinal()) {
          best = h;
        }
      }
      if (newest != null) {
        out.add(new LiveBackend(newest.descriptor, ids, best));
      }
    });
    out.sort(Comparator.comparingInt((LiveBackend b) -> b.descriptor().priority()).thenComparing(LiveBackend::id));
    snapshot = List.copyOf(out);
  }

  /** The view as JSON, for {@code switchboard.registry.view} and the status endpoints. */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (LiveBackend b : snapshot) {
      JsonObject json = b.descriptor().toJson();
      json.remove("instance_id");
      json.remove("leaving");
      json.put("instances", b.instances()).put("health", b.health().toJson());
      list.add(json);
    }
    return new JsonObject().put("backends", list);
  }
}
