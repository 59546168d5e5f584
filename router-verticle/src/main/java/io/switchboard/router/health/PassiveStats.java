package io.switchboard.router.health;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Passive health: the outcomes of the last requests to each backend (a fixed ring of samples, of which only those
 * younger than the window count), giving latency percentiles to the first answer and the error rate. Figures are
 * recomputed at most every {@value #REFRESH_MS} ms so that reading them per request stays cheap. Only upstream
 * faults count as errors; a caller's mistake is not a sample. The same figures are kept per backend instance, for
 * the operators (status, console): routing reads the backend's; an instance's ring goes once it has had no sample
 * for a window ({@link #sweepInstances}). Owned by the router's event loop.
 *
 * @param maxErrorRate a backend failing at least this share of at least {@code minSamples} recent requests is degraded
 */
public final class PassiveStats {

  static final long REFRESH_MS = 250;
  private static final int MIN_LATENCY_SAMPLES = 3;

  /** Figures of one backend. {@code p50Ms}/{@code p95Ms} are -1 with too few successful samples. */
  public record Figures(double p50Ms, double p95Ms, double errorRate, int samples) {
    static final Figures NONE = new Figures(-1, -1, 0, 0);

    public JsonObject toJson() {
      return new JsonObject().put("p50_ms", p50Ms).put("p95_ms", p95Ms).put("error_rate", errorRate).put("samples", samples);
    }
  }

  private final int capacity;
  private final long windowMs;
  private final double maxErrorRate;
  private final int minSamples;
  private final Map<String, Ring> rings = new HashMap<>();
  private final Map<String, Ring> instances = new HashMap<>();

  public PassiveStats(int capacity, long windowMs, double maxErrorRate, int minSamples) {
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.maxErrorRate = maxErrorRate;
    this.minSamples = minSamples;
  }

  public void success(String backendId, long nowMs, long latencyMs) {
    outcome(backendId, null, nowMs, latencyMs, true);
  }

  public void failure(String backendId, long nowMs, long latencyMs) {
    outcome(backendId, null, nowMs, latencyMs, false);
  }

  /** A request's outcome on one instance of a backend (null: not known): counted for the backend and the instance. */
  public void outcome(String backendId, String instanceId, long nowMs, long latencyMs, boolean success) {
    ring(backendId).add(nowMs, latencyMs, success);
    if (instanceId != null) {
      instances.computeIfAbsent(instanceId, k -> new Ring(capacity)).add(nowMs, latencyMs, success);
    }
  }

  /** The figures of one backend instance (none when it has had no sample within the window). */
  public Figures instanceFigures(String instanceId, long nowMs) {
    Ring r = instances.get(instanceId);
    return r == null ? Figures.NONE : r.figures(nowMs);
  }

  /** Forgets instances without a sample in the last window: gone, or idle (their figures would be empty anyway). */
  public void sweepInstances(long nowMs) {
    instances.values().removeIf(r -> nowMs - r.newest() > windowMs);
  }

  public Figures figures(String backendId, long nowMs) {
    Ring r = rings.get(backendId);
    return r == null ? Figures.NONE : r.figures(nowMs);
  }

  /** Median latency to the first answer, or -1 when unknown. */
  public double latencyMs(String backendId, long nowMs) {
    return figures(backendId, nowMs).p50Ms();
  }

  public boolean degraded(String backendId, long nowMs) {
    Figures f = figures(backendId, nowMs);
    return f.samples() >= minSamples && f.errorRate() >= maxErrorRate;
  }

  private Ring ring(String id) {
    return rings.computeIfAbsent(id, k -> new Ring(capacity));
  }

  private final class Ring {
    final long[] at;
    final long[] latency;
    final boolean[] ok;
    final long[] scratch;
    int next;
    int size;
    Figures cached = Figures.NONE;
    long cachedAt = -REFRESH_MS - 1;

    Ring(int capacity) {
      at = new long[capacity];
      latency = new long[capacity];
      ok = new boolean[capacity];
      scratch = new long[capacity];
    }

    long newest() {
      return size == 0 ? Long.MIN_VALUE / 2 : at[Math.floorMod(next - 1, at.length)];
    }

    void add(long now, long ms, boolean success) {
      at[next] = now;
      latency[next] = ms;
      ok[next] = success;
      next = (next + 1) % at.length;
      size = Math.min(size + 1, at.length);
    }

    Figures figures(long now) {
      if (now - cachedAt < REFRESH_MS) {
        return cached;
      }
      int total = 0;
      int failed = 0;
      int n = 0;
      for (int i = 0; i < size; i++) {
        if (now - at[i] > windowMs) {
          continue;
        }
        total++;
        if (ok[i]) {
          scratch[n++] = latency[i];
        } else {
          failed++;
        }
      }
      double p50 = -1;
      double p95 = -1;
      if (n >= MIN_LATENCY_SAMPLES) {
        Arrays.sort(scratch, 0, n);
        p50 = scratch[(int) Math.ceil(0.50 * n) - 1];
        p95 = scratch[(int) Math.ceil(0.95 * n) - 1];
      }
      cached = new Figures(p50, p95, total == 0 ? 0 : failed / (double) total, total);
      cachedAt = now;
      return cached;
    }
  }
}
