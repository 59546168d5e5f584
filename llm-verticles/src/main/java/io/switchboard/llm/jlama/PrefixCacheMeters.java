package io.switchboard.llm.jlama;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A {@link PrefixCache}'s occupancy and counters as meters of the node's registry (docs/metrics.md), labelled with the
 * backend id: bytes held against the budget, entries, lookups that hit or missed, prompt tokens reused, evictions.
 * Meters read the cache when scraped, so generations pay nothing for them. {@link #close} removes them (the backend
 * stopped).
 */
final class PrefixCacheMeters implements AutoCloseable {

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  private PrefixCacheMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters of {@code cache} in {@code registry} (none when the registry is null: metrics are off). */
  static PrefixCacheMeters register(MeterRegistry registry, String backend, PrefixCache cache) {
    PrefixCacheMeters m = new PrefixCacheMeters(registry);
    if (registry == null) {
      return m;
    }
    m.gauge("switchboard.jlama.prefix_cache", "bytes", "Key/value cache bytes kept for prefix reuse", backend, cache, s -> s.bytes());
    m.gauge("switchboard.jlama.prefix_cache.budget", "bytes", "Most bytes the prefix cache keeps (prefix_cache_bytes, at most a quarter of the heap)",
      backend, cache, s -> s.budget());
    m.gauge("switchboard.jlama.prefix_cache.entries", null, "Cached generations (prompt plus answer)", backend, cache, s -> s.entries());
    m.counter("switchboard.jlama.prefix_cache.lookups", "hit", "Prompts that started like a cached one (hit) or not (miss)", backend, cache, s -> s.hits());
    m.counter("switchboard.jlama.prefix_cache.lookups", "miss", "Prompts that started like a cached one (hit) or not (miss)", backend, cache, s -> s.misses());
    m.counter("switchboard.jlama.prefix_cache.reused_tokens", null, "Prompt tokens taken from the cache instead of being run", backend, cache,
      s -> s.reusedTokens());
    m.counter("switchboard.jlama.prefix_cache.evictions", null, "Entries dropped, least recently used first, to stay within the budget",
      backend, cache, s -> s.evictions());
    return m;
  }

  private void gauge(String name, String unit, String help, String backend, PrefixCache cache, ToDoubleFunction<PrefixCache.Stats> read) {
    meters.add(Gauge.builder(name, cache, c -> read.applyAsDouble(c.stats())).baseUnit(unit).description(help).tag("backend", backend)
      .register(registry));
  }

  private void counter(String name, String result, String help, String backend, PrefixCache cache, ToDoubleFunction<PrefixCache.Stats> read) {
    FunctionCounter.Builder<PrefixCache> b = FunctionCounter.builder(name, cache, c -> read.applyAsDouble(c.stats())).description(help)
      .tag("backend", backend);
    if (result != null) {
      b.tag("result", result);
    }
    meters.add(b.register(registry));
  }

  @Override
  public void close() {
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }
}
