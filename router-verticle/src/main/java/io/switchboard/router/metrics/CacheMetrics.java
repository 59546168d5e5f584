package io.switchboard.router.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.Capability;
import io.switchboard.core.cache.CacheStats;
import io.switchboard.core.cache.ExactCache;

import java.util.function.ToDoubleFunction;

/**
 * The exact cache's counters as metrics, read from {@link CacheStats} at each scrape, per {@code capability}:
 * {@code switchboard_cache_hits_total}, {@code _misses_total} (refusals by the privacy rule included),
 * {@code _denied_total}, {@code _bypasses_total}, {@code _stores_total}, {@code _evictions_total},
 * {@code _saved_usd_total} (list price of the answers served from the cache); and this node's share of the shared
 * map, {@code switchboard_cache_entries} and {@code switchboard_cache_bytes}. The hit rate is
 * {@code hits / (hits + misses)}.
 */
public final class CacheMetrics {

  private CacheMetrics() {
  }

  public static void register(MeterRegistry registry, ExactCache cache) {
    CacheStats stats = cache.stats();
    for (Capability c : Capability.values()) {
      counter(registry, "switchboard.cache.hits", "requests answered from the exact cache", c, stats, s -> s.hits(c));
      counter(registry, "switchboard.cache.misses", "cache lookups that found nothing the asker may be given", c, stats,
        s -> s.misses(c));
      counter(registry, "switchboard.cache.denied", "entries found but refused to the asker (privacy rule)", c, stats,
        s -> s.denied(c));
      counter(registry, "switchboard.cache.bypasses", "requests that did not take part (cache false, no-store, not deterministic, off)",
        c, stats, s -> s.bypasses(c));
      counter(registry, "switchboard.cache.stores", "answers stored in the exact cache", c, stats, s -> s.stores(c));
      counter(registry, "switchboard.cache.evictions", "entries evicted by cache.max_bytes", c, stats, s -> s.evictions(c));
      counter(registry, "switchboard.cache.saved.usd", "list-price cost of the answers served from the cache (US dollars)", c,
        stats, s -> s.savedUsd(c));
    }
    Gauge.builder("switchboard.cache.entries", cache, ExactCache::ownEntries)
      .description("entries this node has in the shared cache").register(registry);
    Gauge.builder("switchboard.cache.bytes", cache, ExactCache::ownBytes)
      .description("bytes this node has in the shared cache (bounded by cache.max_bytes)").register(registry);
  }

  private static void counter(MeterRegistry registry, String name, String description, Capability c, CacheStats stats,
                              ToDoubleFunction<CacheStats> value) {
    FunctionCounter.builder(name, stats, value).description(description).tag("capability", c.wireName()).register(registry);
  }
}
