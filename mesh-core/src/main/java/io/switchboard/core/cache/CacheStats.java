package io.switchboard.core.cache;

import io.switchboard.api.Capability;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's cache counters, per capability: hits (and the list-price cost they saved), misses, entries found but
 * refused to the asker (privacy rule), bypasses, stores, answers too large to keep, evictions by the size bound, and
 * entries dropped because an artifact they refer to was deleted. A cluster's figures are the sum over its nodes.
 */
public final class CacheStats {

  private static final class Counters {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder denied = new LongAdder();
    final LongAdder bypasses = new LongAdder();
    final LongAdder stores = new LongAdder();
    final LongAdder tooLarge = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder forgotten = new LongAdder();
    final LongAdder savedMicros = new LongAdder();
  }

  private final Map<Capability, Counters> byCapability = new EnumMap<>(Capability.class);

  public CacheStats() {
    for (Capability c : Capability.values()) {
      byCapability.put(c, new Counters());
    }
  }

  void onHit(Capability c, double savedUsd) {
    byCapability.get(c).hits.increment();
    byCapability.get(c).savedMicros.add(Math.round(savedUsd * 1_000_000));
  }

  void onMiss(Capability c) {
    byCapability.get(c).misses.increment();
  }

  void onDenied(Capability c) {
    byCapability.get(c).denied.increment();
  }

  void onStored(Capability c) {
    byCapability.get(c).stores.increment();
  }

  void onTooLarge(Capability c) {
    byCapability.get(c).tooLarge.increment();
  }

  void onEvicted(Capability c) {
    byCapability.get(c).evictions.increment();
  }

  void onForgotten(Capability c) {
    byCapability.get(c).forgotten.increment();
  }

  /** A request that did not take part ({@code cache: false}, no-store, not deterministic, mode off): counted by the caller. */
  public void bypass(Capability c) {
    byCapability.get(c).bypasses.increment();
  }

  public long hits(Capability c) {
    return byCapability.get(c).hits.sum();
  }

  public long misses(Capability c) {
    return byCapability.get(c).misses.sum() + byCapability.get(c).denied.sum();
  }

  public long denied(Capability c) {
    return byCapability.get(c).denied.sum();
  }

  public long bypasses(Capability c) {
    return byCapability.get(c).bypasses.sum();
  }

  public long stores(Capability c) {
    return byCapability.get(c).stores.sum();
  }

  public long evictions(Capability c) {
    return byCapability.get(c).evictions.sum();
  }

  public double savedUsd(Capability c) {
    return byCapability.get(c).savedMicros.sum() / 1_000_000d;
  }

  /** {@code {"transcribe": {...}, ..., "total": {"hits", "misses", "hit_rate", "saved_usd", ...}}} for the admin page. */
  public JsonObject toJson() {
    JsonObject out = new JsonObject();
    long[] total = new long[9];
    byCapability.forEach((c, k) -> {
      long[] v = {k.hits.sum(), k.misses.sum(), k.denied.sum(), k.bypasses.sum(), k.stores.sum(), k.tooLarge.sum(),
        k.evictions.sum(), k.forgotten.sum(), k.savedMicros.sum()};
      for (int i = 0; i < v.length; i++) {
        total[i] += v[i];
      }
      out.put(c.wireName(), json(v));
    });
    out.put("total", json(total));
    return out;
  }

  private static JsonObject json(long[] v) {
    long lookups = v[0] + v[1] + v[2];
    return new JsonObject().put("hits", v[0]).put("misses", v[1]).put("denied", v[2]).put("bypasses", v[3])
      .put("stores", v[4]).put("too_large", v[5]).put("evictions", v[6]).put("forgotten", v[7])
      .put("saved_usd", v[8] / 1_000_000d).put("hit_rate", lookups == 0 ? 0d : (double) v[0] / lookups);
  }
}
