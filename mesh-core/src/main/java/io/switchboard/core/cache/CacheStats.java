package io.switchboard.core.cache;

import io.switchboard.api.Capability;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's cache counters, per capability: hits (and the list-price cost they saved), misses, entries found but
 * refused to the asker (privacy rule), bypasses, stores, answers too large to keep, evictions by the size bound, and
 * entries dropped because an artifact they refer to was deleted. A cluster's figures are the sum over its nodes.
 */
public final class CacheStats {

  /** What the cache counts, in the order the admin page lists it, by its name there. */
  enum Count {
    HIT("hits"), MISS("misses"), DENIED("denied"), BYPASS("bypasses"), STORED("stores"), TOO_LARGE("too_large"),
    EVICTED("evictions"), FORGOTTEN("forgotten");

    private final String field;

    Count(String field) {
      this.field = field;
    }
  }

  private static final Count[] COUNTS = Count.values();
  /** The slot after the counts: the list-price cost the hits saved, in micro-dollars. */
  private static final int SAVED_MICROS = COUNTS.length;

  private final Map<Capability, LongAdder[]> byCapability = new EnumMap<>(Capability.class);

  public CacheStats() {
    for (Capability c : Capability.values()) {
      LongAdder[] slots = new LongAdder[SAVED_MICROS + 1];
      Arrays.setAll(slots, i -> new LongAdder());
      byCapability.put(c, slots);
    }
  }

  void count(Capability c, Count what) {
    byCapability.get(c)[what.ordinal()].increment();
  }

  void onHit(Capability c, double savedUsd) {
    count(c, Count.HIT);
    byCapability.get(c)[SAVED_MICROS].add(Math.round(savedUsd * 1_000_000));
  }

  /** A request that did not take part ({@code cache: false}, no-store, not deterministic, mode off): counted by the caller. */
  public void bypass(Capability c) {
    count(c, Count.BYPASS);
  }

  public long hits(Capability c) {
    return sum(c, Count.HIT);
  }

  public long misses(Capability c) {
    return sum(c, Count.MISS) + sum(c, Count.DENIED);
  }

  public long denied(Capability c) {
    return sum(c, Count.DENIED);
  }

  public long bypasses(Capability c) {
    return sum(c, Count.BYPASS);
  }

  public long stores(Capability c) {
    return sum(c, Count.STORED);
  }

  public long evictions(Capability c) {
    return sum(c, Count.EVICTED);
  }

  public double savedUsd(Capability c) {
    return byCapability.get(c)[SAVED_MICROS].sum() / 1_000_000d;
  }

  private long sum(Capability c, Count what) {
    return byCapability.get(c)[what.ordinal()].sum();
  }

  /** {@code {"transcribe": {...}, ..., "total": {"hits", "misses", "hit_rate", "saved_usd", ...}}} for the admin page. */
  public JsonObject toJson() {
    JsonObject out = new JsonObject();
    long[] total = new long[SAVED_MICROS + 1];
    byCapability.forEach((c, slots) -> {
      // Read once, so that the total is the sum of the figures shown beside it.
      long[] v = Arrays.stream(slots).mapToLong(LongAdder::sum).toArray();
      Arrays.setAll(total, i -> total[i] + v[i]);
      out.put(c.wireName(), json(v));
    });
    out.put("total", json(total));
    return out;
  }

  private static JsonObject json(long[] v) {
    JsonObject out = new JsonObject();
    for (Count k : COUNTS) {
      out.put(k.field, v[k.ordinal()]);
    }
    long hits = v[Count.HIT.ordinal()];
    long lookups = hits + v[Count.MISS.ordinal()] + v[Count.DENIED.ordinal()];
    return out.put("saved_usd", v[SAVED_MICROS] / 1_000_000d).put("hit_rate", lookups == 0 ? 0d : (double) hits / lookups);
  }
}
